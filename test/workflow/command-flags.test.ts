import {describe, expect, it} from 'vitest';
import {UsageError} from '../../source/core/errors';
import {flagsOf} from '../../source/workflow/command-flags';

const none = {confirm: []};

describe('the command line read into typed flags (workflow/command-flags.ts)', () => {
	it('reads each flag into its typed field, numbers as numbers, absent ones left out', () => {
		expect(flagsOf('prune', [], {...none, env: 'prod-eu', region: 'eu-west-1', keep: '5', minAge: '30', dryRun: true, json: true})).toEqual(
			{
				env: 'prod-eu',
				region: 'eu-west-1',
				keep: 5,
				minAgeDays: 30,
				skipRequired: false,
				dryRun: true,
				rehearse: false,
				yes: false,
				confirm: [],
				json: true,
			},
		);
		expect(flagsOf('release', [], {...none, until: 'preview', fleet: 'all'})).toMatchObject({until: 'preview', fleet: 'all'});
		expect(flagsOf('resume', ['20261125T010000Z-dev'], {...none, approve: true})).toMatchObject({approve: true});
	});

	it.each([
		['release', [], {region: 'Europe'}, '--region Europe is not an AWS region such as us-east-1.'],
		['release', [], {env: 'Prod'}, '--env Prod is not an account name'],
		['release', [], {env: 'dev', fleet: 'all'}, '--fleet and --env exclude each other'],
		['release', [], {convoxVersion: 'latest'}, '--convox-version latest is not a Convox version id'],
		['prune', [], {keep: 'three'}, '--keep three is not a whole number of images.'],
		['prune', [], {minAge: '2w'}, '--min-age 2w is not a whole number of days.'],
		['resume', ['../etc'], {}, '../etc is not a run id'],
		['release', [], {until: 'apply'}, '--until apply is not a stop this tool knows'],
		['resume', [], {until: 'preview'}, '--until preview goes with `convox-ami release`, not with resume.'],
		['release', [], {until: 'preview', dryRun: true}, '--until preview and --dry-run exclude each other'],
		['release', [], {approve: true}, '--approve goes with `convox-ami resume RUN_ID`, not with release.'],
	] as const)('%s %j %j: refused as a usage error naming the flag', (name, args, options, message) => {
		const refuse = () => flagsOf(name, [...args], {...none, ...options});
		expect(refuse).toThrow(UsageError);
		expect(refuse).toThrow(message);
	});
});
