import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {exists, sharedCliWorld} from '../support/cli-env';

const config = {
	region: 'us-east-1',
	accounts: {
		dev: {profile: 'convox-dev', accountId: '111111111111', stackName: 'convox-dev', rack: 'dev'},
		'dev-eu': {profile: 'convox-dev', accountId: '111111111111', stackName: 'convox-dev-eu', region: 'eu-west-1'},
	},
	fleets: {all: {waves: [['dev'], ['dev-eu']], maxConcurrent: 2}},
};

const shared = sharedCliWorld({config});
const {stateDir, run} = shared;

describe.concurrent('bad input: fleets', () => {
	it('an unknown fleet is refused with the ones the config has, exit 2, nothing written', async () => {
		const dir = stateDir();
		const result = await run(['release', '--fleet', 'everything', '--yes'], dir);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('No fleet "everything" in the config; it has all.');
		expect(await exists(path.join(dir, 'fleets'))).toBe(false);
	});

	it('--fleet with --env, a bad fleet name, and --fleet with another command: exit 2', async () => {
		const both = await run(['release', '--fleet', 'all', '--env', 'dev', '--yes']);
		expect(both.code).toBe(2);
		expect(both.stderr).toContain('--fleet and --env exclude each other');
		const name = await run(['release', '--fleet', 'All', '--yes']);
		expect(name.code).toBe(2);
		expect(name.stderr).toContain('--fleet All is not a fleet name');
		const checklist = await run(['checklist', '--fleet', 'all', '--yes']);
		expect(checklist.code).toBe(2);
		expect(checklist.stderr).toContain('--fleet goes with `convox-ami release`, not with checklist');
	});

	it('a config whose fleet names an unknown rack, a rack twice or an empty wave: exit 2 with every path', async () => {
		const file = path.join(shared.world.dir, 'bad-fleets.json');
		await writeFile(file, JSON.stringify({...config, fleets: {all: {waves: [['dev'], ['dev', 'prod-xx'], []], maxConcurrent: 0}}}));
		const dir = stateDir();
		const result = await run(['release', '--fleet', 'all', '--yes', '--config', file], dir);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('fleets.all.waves[1][0]: "dev" is already in waves[0]');
		expect(result.stderr).toContain('fleets.all.waves[1][1]: no account "prod-xx"');
		expect(result.stderr).toContain('fleets.all.waves[2]: expected at least one rack in a wave');
		expect(result.stderr).toContain('fleets.all.maxConcurrent: expected at least 1');
		expect(await exists(dir)).toBe(false);
	});

	it('--help names --fleet and stays light', async () => {
		const result = await run(['--help']);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('--fleet NAME');
	});
});
