import {describe, expect, it} from 'vitest';
import {twoWaveFleetConfig} from '../../support/fleet-state';
import type {FleetChange, FleetChangeInput} from '../../../source/core/fleet-events';
import type {FleetRun} from '../../../source/workflow/fleet/fleet-journal';
import {reduceFleet} from '../../../source/workflow/fleet/fleet-reducer';
import {newFleetRun} from '../../../source/workflow/fleet/new-fleet-run';

const config = twoWaveFleetConfig;

const created = () =>
	newFleetRun(config, 'all', {model: {world: 'live', readOnly: false}, confirm: [], now: new Date('2026-12-01T00:00:00Z')});

let clock = 0;
const stamped = (input: FleetChangeInput): FleetChange => ({...input, at: new Date(Date.UTC(2026, 11, 1, 0, 0, ++clock)).toISOString()});
const after = (fleet: FleetRun, ...inputs: FleetChangeInput[]) => inputs.reduce((run, input) => reduceFleet(run, stamped(input)), fleet);

const PROD_EU = {accountId: '222222222222', region: 'eu-west-1'};
const PROD_US = {accountId: '222222222222', region: 'us-east-1'};

describe('newFleetRun', () => {
	it('plans every rack pending, one build per account and one copy per other region', () => {
		const fleet = created();
		expect(fleet.racks.map(rack => [rack.name, rack.wave, rack.state])).toEqual([
			['dev', 0, 'pending'],
			['prod-us', 1, 'pending'],
			['prod-eu', 1, 'pending'],
		]);
		expect(fleet.images.map(image => [image.kind, image.accountId, image.region, image.rack])).toEqual([
			['build', '111111111111', 'us-east-1', 'dev'],
			['build', '222222222222', 'us-east-1', 'prod-us'],
			['copy', '222222222222', 'eu-west-1', undefined],
		]);
		expect(fleet).toMatchObject({schemaVersion: 1, kind: 'fleet', status: 'running', mode: 'live', dryRun: false});
		expect(fleet.id).toMatch(/^20261201-000000-fleet-all-\w{4}$/);
	});
});

describe('reduceFleet', () => {
	it('is pure: the fleet run it is given is left as it was', () => {
		const fleet = created();
		const before = structuredClone(fleet);
		const next = after(fleet, {type: 'rack-started', rack: 'dev'}, {type: 'wave-confirmed', wave: 0, note: 'Wave 1 confirmed.'});
		expect(fleet).toEqual(before);
		expect(next).not.toBe(fleet);
	});

	it('stamps every change as the last one, and adds its note to the history', () => {
		const fleet = created();
		const change = stamped({type: 'version-resolved', convoxVersion: '20260708102410', note: 'Convox 20260708102410 for every rack.'});
		const next = reduceFleet(fleet, change);
		expect(next.convoxVersion).toBe('20260708102410');
		expect(next.updatedAt).toBe(change.at);
		expect(next.history.at(-1)).toEqual({at: change.at, message: 'Convox 20260708102410 for every rack.'});
		expect(reduceFleet(fleet, stamped({type: 'rack-started', rack: 'dev'})).history).toEqual(fleet.history);
	});

	it('a rack: started, linked to its run, ended with why it failed; started again, the old detail goes', () => {
		let fleet = after(
			created(),
			{type: 'rack-started', rack: 'prod-us'},
			{type: 'rack-run-created', rack: 'prod-us', runId: 'run-1'},
			{type: 'rack-ended', rack: 'prod-us', state: 'failed', detail: 'Verify failed: hello-world'},
		);
		expect(fleet.racks[1]).toMatchObject({name: 'prod-us', state: 'failed', runId: 'run-1', detail: 'Verify failed: hello-world'});
		expect(fleet.racks[0]!.state).toBe('pending');
		fleet = after(fleet, {type: 'rack-started', rack: 'prod-us'});
		expect(fleet.racks[1]).toEqual(expect.objectContaining({state: 'running', runId: 'run-1'}));
		expect(fleet.racks[1]!.detail).toBeUndefined();
		fleet = after(fleet, {type: 'rack-ended', rack: 'prod-us', state: 'done'});
		expect(fleet.racks[1]!.state).toBe('done');
	});

	it('a build: started, linked to its run, made; a failure before it is forgotten', () => {
		const fleet = after(
			created(),
			{type: 'image-started', ...PROD_US},
			{type: 'image-run-created', ...PROD_US, runId: 'run-2'},
			{type: 'image-failed', ...PROD_US, error: 'Packer exited 1', retry: false},
			{type: 'image-started', ...PROD_US},
			{type: 'image-made', ...PROD_US, amiId: 'ami-0123', note: 'Built ami-0123.'},
		);
		const image = fleet.images[1]!;
		expect(image).toMatchObject({kind: 'build', status: 'done', runId: 'run-2', amiId: 'ami-0123'});
		expect(image.error).toBeUndefined();
		expect(fleet.history.at(-1)?.message).toBe('Built ami-0123.');
	});

	it('a copy: started from the build, made or found again; a dry run makes none', () => {
		const copied = after(
			created(),
			{type: 'image-started', ...PROD_EU, copiedFrom: {region: 'us-east-1', amiId: 'ami-0123'}},
			{type: 'image-made', ...PROD_EU, amiId: 'ami-0456', adopted: true},
		);
		expect(copied.images[2]).toEqual({
			...PROD_EU,
			kind: 'copy',
			status: 'done',
			copiedFrom: {region: 'us-east-1', amiId: 'ami-0123'},
			amiId: 'ami-0456',
			adopted: true,
		});
		const dry = after(created(), {type: 'image-made', ...PROD_EU});
		expect(dry.images[2]).toEqual({...PROD_EU, kind: 'copy', status: 'done'});
	});

	it('an image that failed under a halt is pending again, with its error; otherwise it failed', () => {
		const halted = after(created(), {type: 'image-started', ...PROD_EU}, {type: 'image-failed', ...PROD_EU, error: 'aborted', retry: true});
		expect(halted.images[2]).toMatchObject({status: 'pending', error: 'aborted'});
		const failed = after(created(), {type: 'image-failed', ...PROD_EU, error: 'AccessDenied', retry: false});
		expect(failed.images[2]).toMatchObject({status: 'failed', error: 'AccessDenied'});
	});

	it('a wave is confirmed once', () => {
		const fleet = after(created(), {type: 'wave-confirmed', wave: 1}, {type: 'wave-confirmed', wave: 1}, {type: 'wave-confirmed', wave: 0});
		expect(fleet.confirmedWaves).toEqual([1, 0]);
	});

	it('resumed: what did not finish goes back to pending, what is done stays, the run is running again', () => {
		const stopped = after(
			created(),
			{type: 'image-made', ...PROD_US, amiId: 'ami-0123'},
			{type: 'image-failed', ...PROD_EU, error: 'AccessDenied', retry: false},
			{type: 'rack-ended', rack: 'dev', state: 'done'},
			{type: 'rack-ended', rack: 'prod-us', state: 'failed', detail: 'Verify failed'},
			{type: 'rack-started', rack: 'prod-eu'},
			{type: 'status', status: 'stopped', note: 'Fleet stopped: 1 rack(s) failed.'},
		);
		expect(stopped.status).toBe('stopped');
		const resumed = after(stopped, {type: 'resumed', note: 'Fleet run resumed: 1 of 3 racks done.'});
		expect(resumed.status).toBe('running');
		expect(resumed.racks.map(rack => rack.state)).toEqual(['done', 'pending', 'pending']);
		expect(resumed.images.map(image => image.status)).toEqual(['pending', 'done', 'pending']);
		expect(resumed.history.map(entry => entry.message).slice(-2)).toEqual([
			'Fleet stopped: 1 rack(s) failed.',
			'Fleet run resumed: 1 of 3 racks done.',
		]);
	});

	describe('approval of a previewed wave (--until preview)', () => {
		const changeSet = (rack: string, name: string) => ({
			rack,
			runId: `run-${rack}`,
			changeSetName: name,
			consoleUrl: `https://console/${name}`,
		});
		const approval = (changeSetName: string, arn: string) => ({changeSetName, arn, user: 'ada', at: '2026-12-01T01:00:00.000Z'});

		it('a fleet run made with --until preview journals it; one made without has none, as older journals', () => {
			const previewing = newFleetRun(config, 'all', {model: {world: 'live', readOnly: false}, confirm: [], until: 'preview'});
			expect(previewing.until).toBe('preview');
			expect(created().until).toBeUndefined();
			expect(created().waveApprovals).toBeUndefined();
		});

		it('a wave previewed, then its racks approved one by one, each with its approver', () => {
			const previewed = after(created(), {
				type: 'wave-previewed',
				wave: 1,
				changeSets: [changeSet('prod-us', 'cs-us-1'), changeSet('prod-eu', 'cs-eu-1')],
				table: 'RACK ...',
				note: 'Wave 2 previewed: 2 change set(s) wait for approval (prod-us, prod-eu).',
			});
			expect(previewed.waveApprovals).toEqual([
				{
					wave: 1,
					preview: {
						at: previewed.updatedAt,
						changeSets: [changeSet('prod-us', 'cs-us-1'), changeSet('prod-eu', 'cs-eu-1')],
						table: 'RACK ...',
					},
					approvals: [],
				},
			]);
			expect(previewed.history.at(-1)?.message).toBe('Wave 2 previewed: 2 change set(s) wait for approval (prod-us, prod-eu).');
			const approved = after(
				previewed,
				{
					type: 'rack-approved',
					rack: 'prod-us',
					wave: 1,
					approval: approval('cs-us-1', 'arn:aws:sts::222222222222:assumed-role/Admin/ada'),
				},
				{
					type: 'rack-approved',
					rack: 'prod-eu',
					wave: 1,
					approval: approval('cs-eu-1', 'arn:aws:sts::222222222222:assumed-role/Admin/ada'),
				},
			);
			expect(approved.waveApprovals?.[0]?.approvals.map(given => [given.rack, given.changeSetName, given.user])).toEqual([
				['prod-us', 'cs-us-1', 'ada'],
				['prod-eu', 'cs-eu-1', 'ada'],
			]);
			expect(approved.waveApprovals?.[0]?.preview?.changeSets).toHaveLength(2);
		});

		it('a fresh preview of a wave replaces the earlier one and its approvals; other waves keep theirs, in wave order', () => {
			const fleet = after(
				created(),
				{type: 'wave-previewed', wave: 1, changeSets: [changeSet('prod-us', 'cs-us-1')], table: 'first'},
				{type: 'rack-approved', rack: 'prod-us', wave: 1, approval: approval('cs-us-1', 'arn:1')},
				{type: 'wave-previewed', wave: 0, changeSets: [changeSet('dev', 'cs-dev-1')], table: 'dev'},
				{type: 'wave-previewed', wave: 1, changeSets: [changeSet('prod-us', 'cs-us-2')], table: 'fresh'},
			);
			expect(fleet.waveApprovals?.map(wave => [wave.wave, wave.preview?.table, wave.approvals.length])).toEqual([
				[0, 'dev', 0],
				[1, 'fresh', 0],
			]);
		});

		it('a fresh preview of part of a wave keeps the approvals of its racks not previewed again (executed already)', () => {
			const fleet = after(
				created(),
				{type: 'wave-previewed', wave: 0, changeSets: [changeSet('dev-a', 'cs-a-1'), changeSet('dev-b', 'cs-b-1')], table: 'first'},
				{type: 'rack-approved', rack: 'dev-a', wave: 0, approval: approval('cs-a-1', 'arn:a')},
				{type: 'rack-approved', rack: 'dev-b', wave: 0, approval: approval('cs-b-1', 'arn:b')},
				{type: 'wave-previewed', wave: 0, changeSets: [changeSet('dev-b', 'cs-b-1')], table: 'b again'},
			);
			expect(fleet.waveApprovals?.[0]?.approvals.map(given => [given.rack, given.arn])).toEqual([['dev-a', 'arn:a']]);
			expect(fleet.waveApprovals?.[0]?.preview?.table).toBe('b again');
		});

		it('an approval of a wave whose preview the fleet never recorded (it stopped first) is kept all the same', () => {
			const fleet = after(created(), {type: 'rack-approved', rack: 'dev', wave: 0, approval: approval('cs-dev-1', 'arn:1')});
			expect(fleet.waveApprovals).toEqual([{wave: 0, approvals: [{rack: 'dev', ...approval('cs-dev-1', 'arn:1')}]}]);
		});
	});
});
