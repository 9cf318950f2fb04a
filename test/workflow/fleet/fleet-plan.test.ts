import {describe, expect, it} from 'vitest';
import {parseConfig} from '../../../source/config/load-config';
import {UsageError} from '../../../source/core/errors';
import {planFleet} from '../../../source/workflow/fleet/fleet-plan';
import {resolveFleetVersion} from '../../../source/convox/fleet-version';
import {schedule} from '../../../source/workflow/fleet/wave-scheduler';
import type {RackState} from '../../../source/core/fleet-events';

const config = parseConfig(
	{
		region: 'us-east-1',
		accounts: {
			dev: {accountId: '111111111111', stackName: 'convox-dev'},
			'dev-eu': {accountId: '111111111111', stackName: 'convox-dev-eu', region: 'eu-west-1'},
			'prod-us': {accountId: '222222222222', stackName: 'convox-prod-us', production: true},
			'prod-us-2': {accountId: '222222222222', stackName: 'convox-prod-us-2', production: true},
			'prod-eu': {accountId: '222222222222', stackName: 'convox-prod-eu', production: true, region: 'eu-west-1'},
			'prod-ap': {accountId: '222222222222', stackName: 'convox-prod-ap', production: true, region: 'ap-southeast-2'},
		},
		fleets: {all: {waves: [['dev'], ['prod-us', 'dev-eu'], ['prod-eu', 'prod-ap', 'prod-us-2']], maxConcurrent: 2, failureTolerance: 1}},
	},
	'test.json',
);

describe('planFleet', () => {
	it('places every rack in its account, region and wave', () => {
		const plan = planFleet(config, 'all');
		expect(plan.racks.map(({name, accountId, region, wave}) => [name, accountId, region, wave])).toEqual([
			['dev', '111111111111', 'us-east-1', 0],
			['prod-us', '222222222222', 'us-east-1', 1],
			['dev-eu', '111111111111', 'eu-west-1', 1],
			['prod-eu', '222222222222', 'eu-west-1', 2],
			['prod-ap', '222222222222', 'ap-southeast-2', 2],
			['prod-us-2', '222222222222', 'us-east-1', 2],
		]);
		expect(plan.maxConcurrent).toBe(2);
		expect(plan.failureTolerance).toBe(1);
	});

	it('builds once per account, in the region of its first rack, and copies to each other region once', () => {
		const plan = planFleet(config, 'all');
		expect(plan.builds).toEqual([
			{accountId: '111111111111', region: 'us-east-1', rack: 'dev', production: false},
			{accountId: '222222222222', region: 'us-east-1', rack: 'prod-us', production: true},
		]);
		expect(plan.copies).toEqual([
			{accountId: '111111111111', sourceRegion: 'us-east-1', region: 'eu-west-1'},
			{accountId: '222222222222', sourceRegion: 'us-east-1', region: 'eu-west-1'},
			{accountId: '222222222222', sourceRegion: 'us-east-1', region: 'ap-southeast-2'},
		]);
	});

	it('--region puts every rack in one region: nothing to copy', () => {
		const plan = planFleet(config, 'all', 'eu-central-1');
		expect(new Set(plan.racks.map(rack => rack.region))).toEqual(new Set(['eu-central-1']));
		expect(plan.copies).toEqual([]);
	});

	it('refuses an unknown fleet, naming the ones there are', () => {
		expect(() => planFleet(config, 'everything')).toThrow(UsageError);
		expect(() => planFleet(config, 'everything')).toThrow('No fleet "everything" in the config; it has all.');
		expect(() => planFleet(parseConfig({accounts: {dev: {accountId: '111111111111', stackName: 'x'}}}, 't'), 'all')).toThrow(
			'the config has no "fleets" section',
		);
	});
});

describe('schedule', () => {
	const rules = {waves: [['a'], ['b', 'c', 'd'], ['e', 'f']], maxConcurrent: 2, failureTolerance: 0};
	const run = (states: Record<string, RackState>, overrides: Partial<typeof rules> = {}) => schedule({...rules, ...overrides}, states);

	it('starts the first wave, then the next only when the wave is over, at most maxConcurrent at a time', () => {
		expect(run({})).toMatchObject({start: ['a'], wave: 0});
		expect(run({a: 'running'})).toMatchObject({start: [], wave: 0});
		expect(run({a: 'done'})).toMatchObject({start: ['b', 'c'], wave: 1});
		expect(run({a: 'done', b: 'running', c: 'running'})).toMatchObject({start: []});
		expect(run({a: 'done', b: 'done', c: 'running'})).toMatchObject({start: ['d']});
		expect(run({a: 'done', b: 'done', c: 'running', d: 'done'})).toMatchObject({start: [], wave: 1});
		expect(run({a: 'done', b: 'done', c: 'done', d: 'done'})).toMatchObject({start: ['e', 'f'], wave: 2});
		expect(run({a: 'done', b: 'done', c: 'done', d: 'done', e: 'done', f: 'done'})).toEqual({
			start: [],
			wave: 3,
			verdict: 'finished',
			untouched: [],
			overTolerance: false,
		});
	});

	it('with tolerance 0 a failure stops the fleet: running racks finish, the rest stays untouched', () => {
		const states: Record<string, RackState> = {a: 'done', b: 'failed', c: 'running'};
		expect(run(states)).toMatchObject({start: [], overTolerance: true});
		expect(run(states).verdict).toBeUndefined();
		expect(run({...states, c: 'done'})).toEqual({start: [], wave: 1, verdict: 'stopped', untouched: ['d', 'e', 'f'], overTolerance: true});
	});

	it('within the tolerance a failed rack ends its wave like a done one and the fleet goes on', () => {
		expect(run({a: 'failed'}, {failureTolerance: 1})).toMatchObject({start: ['b', 'c'], wave: 1, overTolerance: false});
		expect(run({a: 'failed', b: 'failed'}, {failureTolerance: 1})).toMatchObject({
			overTolerance: true,
			verdict: 'stopped',
			untouched: ['c', 'd', 'e', 'f'],
		});
		const done = {a: 'failed', b: 'done', c: 'done', d: 'done', e: 'done', f: 'done'} as const;
		expect(run(done, {failureTolerance: 1})).toMatchObject({verdict: 'finished', untouched: []});
	});

	it('a rack waiting on a manual confirmation holds its wave: the fleet waits, later waves untouched', () => {
		expect(run({a: 'done', b: 'waiting', c: 'done', d: 'done'})).toEqual({
			start: [],
			wave: 1,
			verdict: 'waiting',
			untouched: ['e', 'f'],
			overTolerance: false,
		});
	});
});

describe('resolveFleetVersion', () => {
	const entries = [
		{version: '20250101000000', description: '', published: true, required: false},
		{version: '20250201000000', description: '', published: true, required: true},
		{version: '20250301000000', description: '', published: true, required: false},
		{version: '20250401000000', description: '', published: true, required: true},
		{version: '20250501000000', description: '', published: true, required: false},
		{version: '20250601000000-dev', description: '', published: true, required: false},
		{version: '20250701000000', description: '', published: false, required: false},
	];

	it('takes the newest published when no rack must pass a required version', () => {
		expect(
			resolveFleetVersion(entries, [
				{rack: 'a', current: '20250401000000'},
				{rack: 'b', current: '20250501000000'},
			]),
		).toEqual({version: '20250501000000', newest: '20250501000000', holders: [], pinned: false});
	});

	it('the lowest required target wins, and the racks holding the fleet back are named', () => {
		const version = resolveFleetVersion(entries, [
			{rack: 'a', current: '20250301000000'},
			{rack: 'b', current: '20250401000000'},
			{rack: 'c', current: '20250201000000'},
		]);
		expect(version.version).toBe('20250401000000');
		expect(version.holders).toEqual([
			{rack: 'a', current: '20250301000000', required: '20250401000000'},
			{rack: 'c', current: '20250201000000', required: '20250401000000'},
		]);
		expect(resolveFleetVersion(entries, [{rack: 'b', current: '20250101000000'}]).version).toBe('20250201000000');
	});

	it('refuses to move a rack backwards, naming both sides', () => {
		expect(() =>
			resolveFleetVersion(entries, [
				{rack: 'old', current: '20250101000000'},
				{rack: 'new', current: '20250501000000'},
			]),
		).toThrow(/old \(on 20250101000000\) must pass through the required 20250201000000 first, but new is on 20250501000000/);
	});

	it('a pin is taken for every rack; racks it jumps a required version for are named', () => {
		const version = resolveFleetVersion(
			entries,
			[
				{rack: 'a', current: '20250101000000'},
				{rack: 'b', current: '20250401000000'},
			],
			'20250501000000',
		);
		expect(version).toEqual({
			version: '20250501000000',
			newest: '20250501000000',
			pinned: true,
			holders: [{rack: 'a', current: '20250101000000', required: '20250201000000'}],
		});
	});

	it('nothing published is an input error', () => {
		expect(() => resolveFleetVersion([{version: '20250101000000', description: '', published: false, required: false}], [])).toThrow(
			UsageError,
		);
	});
});
