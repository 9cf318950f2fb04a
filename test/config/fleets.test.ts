import {describe, expect, it} from 'vitest';
import {parseConfig} from '../../source/config/load-config';
import {problemsOf} from './config-problems';

const account = (accountId: string, stackName: string, extra: Record<string, unknown> = {}) => ({accountId, stackName, ...extra});
const accounts = {
	dev: account('111111111111', 'convox-dev'),
	'prod-us': account('222222222222', 'convox-prod-us', {production: true}),
	'prod-eu': account('222222222222', 'convox-prod-eu', {production: true, region: 'eu-west-1'}),
	'prod-ap': account('222222222222', 'convox-prod-ap', {production: true, region: 'ap-southeast-2'}),
};

describe('config fleets', () => {
	it('accepts the fleet of the issue and fills in the defaults', () => {
		const config = parseConfig(
			{
				accounts,
				fleets: {
					all: {waves: [['dev'], ['prod-us'], ['prod-eu', 'prod-ap']], maxConcurrent: 4, failureTolerance: 0},
					canary: {waves: [['dev']]},
				},
			},
			'test.json',
		);
		expect(config.fleets?.all).toEqual({waves: [['dev'], ['prod-us'], ['prod-eu', 'prod-ap']], maxConcurrent: 4, failureTolerance: 0});
		expect(config.fleets?.canary).toEqual({waves: [['dev']], maxConcurrent: 1, failureTolerance: 0});
	});

	it('a config without fleets has none (the key is optional)', () => {
		expect(parseConfig({accounts}, 'test.json').fleets).toBeUndefined();
	});

	it('names an unknown rack with its path', () => {
		expect(problemsOf({accounts, fleets: {all: {waves: [['dev'], ['prod-us'], ['prod-xx']]}}})).toContain(
			'fleets.all.waves[2][0]: no account "prod-xx"',
		);
	});

	it('refuses a rack in two waves, naming both', () => {
		expect(
			problemsOf({
				accounts,
				fleets: {
					all: {
						waves: [
							['dev', 'prod-us'],
							['prod-eu', 'prod-us'],
						],
					},
				},
			}),
		).toContain('fleets.all.waves[1][1]: "prod-us" is already in waves[0]');
		expect(problemsOf({accounts, fleets: {all: {waves: [['dev', 'dev']]}}})).toContain(
			'fleets.all.waves[0][1]: "dev" is already in waves[0]',
		);
	});

	it('refuses an empty wave, no waves, and bounds out of range', () => {
		expect(problemsOf({accounts, fleets: {all: {waves: [['dev'], []]}}})).toContain(
			'fleets.all.waves[1]: expected at least one rack in a wave',
		);
		expect(problemsOf({accounts, fleets: {all: {waves: []}}})).toContain('fleets.all.waves: expected at least one wave');
		const bounds = problemsOf({accounts, fleets: {all: {waves: [['dev']], maxConcurrent: 0, failureTolerance: -1}}});
		expect(bounds).toContain('fleets.all.maxConcurrent: expected at least 1');
		expect(bounds).toContain('fleets.all.failureTolerance: expected 0 or more');
		expect(problemsOf({accounts, fleets: {all: {waves: [['dev']], maxConcurrent: 1.5}}})).toContain('fleets.all.maxConcurrent');
	});

	it('refuses unknown keys of a fleet and bad fleet names', () => {
		expect(problemsOf({accounts, fleets: {all: {waves: [['dev']], maxConcurency: 2}}})).toContain(
			'fleets.all: unknown key "maxConcurency"',
		);
		expect(problemsOf({accounts, fleets: {All: {waves: [['dev']]}}})).toContain('fleets.All');
	});
});
