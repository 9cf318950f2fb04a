import {describe, expect, it} from 'vitest';
import {inkFleetSink, jsonFleetSink, plainFleetSink, type FleetScreen} from '../../source/ui/fleet-reporter';
import type {FleetRow} from '../../source/ui/fleet-view';
import {createRun} from '../../source/workflow/plan';
import type {RunEvent} from '../../source/core/types';

const run = createRun({
	id: 'r1',
	kind: 'release',
	account: 'prod-eu',
	mode: 'rehearsal',
	production: true,
	options: {region: 'eu-west-1', dryRun: false, confirm: [], yes: true},
});
const at = '2026-12-02T07:00:00.000Z';

/** The Ink screen's side of a fleet, recording what it is told to show. */
function screen(said: string[] = [], tables: FleetRow[][] = [], held: boolean[] = []): FleetScreen {
	return {
		setFleet: (rows, options) => {
			tables.push(rows);
			held.push(options?.hold ?? false);
		},
		rackPanes: () => () => undefined,
		say: (level, message) => said.push(`${level}: ${message}`),
	};
}

describe('fleet reporter', () => {
	it('JSON: a rack run event carries fleet and rack; a fleet event carries fleet and fleetRunId', () => {
		const lines: string[] = [];
		const reporter = jsonFleetSink({fleet: 'all', fleetRunId: 'f1'}, text => lines.push(text));
		const event: RunEvent = {type: 'step', step: 'build', status: 'done', outputs: {amiId: 'ami-1'}, runId: 'r1', at};
		reporter.rackSink('prod-eu')(event, run);
		reporter.emit({type: 'wave', wave: 0, status: 'started', racks: ['dev']});
		const [step, wave] = lines.map(line => JSON.parse(line) as Record<string, unknown>);
		expect(step).toMatchObject({type: 'step', step: 'build', status: 'done', amiId: 'ami-1', runId: 'r1', fleet: 'all', rack: 'prod-eu'});
		expect(wave).toMatchObject({
			type: 'wave',
			wave: 0,
			status: 'started',
			racks: ['dev'],
			fleet: 'all',
			fleetRunId: 'f1',
			at: expect.any(String),
		});
	});

	it('plain: every line of a rack starts with [rack], a multi-line event included; fleet lines say what happened', () => {
		const lines: string[] = [];
		const reporter = plainFleetSink({fleet: 'all', fleetRunId: 'f1'}, text => lines.push(text));
		reporter.rackSink('prod-eu')(
			{
				type: 'change-set',
				step: 'update-stack',
				stackName: 'convox-prod-eu',
				changeSetName: 'cs',
				parameters: [{key: 'Ami', old: '', new: 'ami-1', masked: false}],
				changes: [],
				dropped: [],
				runId: 'r1',
				at,
			},
			run,
		);
		reporter.emit({type: 'image', kind: 'copy', accountId: '222222222222', region: 'eu-west-1', status: 'done', amiId: 'ami-2'});
		reporter.emit({type: 'rack-state', rack: 'prod-ap', state: 'untouched', wave: 2});
		const text = lines.join('');
		expect(text).toContain('[prod-eu]   change set cs for convox-prod-eu:\n[prod-eu]     Ami:  → ami-1\n');
		expect(text).toContain('copy for account 222222222222 to eu-west-1 done: ami-2\n');
		expect(text).toContain('rack prod-ap (wave 3) untouched\n');
	});

	it('Ink: steps that end and the fleet lines become the screen notices, running steps and log lines do not', () => {
		const said: string[] = [];
		const reporter = inkFleetSink({fleet: 'all', fleetRunId: 'f1'}, screen(said));
		const sink = reporter.rackSink('dev');
		sink({type: 'step', step: 'verify', status: 'running', runId: 'r1', at}, run);
		sink({type: 'log', step: 'build', line: 'noise', runId: 'r1', at}, run);
		sink({type: 'step', step: 'verify', status: 'failed', error: 'hello-world failed', runId: 'r1', at}, run);
		reporter.emit({type: 'fleet', status: 'stopped', mode: 'live', message: 'tolerance exceeded'});
		expect(said).toEqual(['warn: [dev] Verify failed: hello-world failed', 'info: fleet all stopped: tolerance exceeded']);
	});
});

describe('fleet table on the Ink screen', () => {
	it('one row per rack: its step follows its run, its state and clock follow the fleet', () => {
		const tables: FleetRow[][] = [];
		const held: boolean[] = [];
		const racks = [
			{name: 'dev', accountId: '111111111111', region: 'us-east-1', wave: 0, state: 'pending'},
			{name: 'prod-eu', accountId: '222222222222', region: 'eu-west-1', wave: 1, state: 'pending'},
		];
		const reporter = inkFleetSink({fleet: 'all', fleetRunId: 'f1', racks}, screen([], tables, held));
		expect(tables).toHaveLength(1);
		reporter.emit({type: 'rack-state', rack: 'dev', state: 'running', wave: 0});
		reporter.rackSink('dev')({type: 'step', step: 'update-stack', status: 'running', runId: 'r1', at}, run);
		reporter.rackSink('dev')({type: 'log', step: 'build', line: 'nothing for the table', runId: 'r1', at}, run);
		reporter.emit({type: 'rack-state', rack: 'dev', state: 'done', wave: 0});
		reporter.emit({type: 'rack-state', rack: 'prod-eu', state: 'untouched', wave: 1});
		expect(tables).toHaveLength(5);
		// Steps and states may wait for a frame drawn anyway; each table is whole all the same.
		expect(held).toEqual([false, true, true, true, true]);
		expect(tables[2]![0]).toMatchObject({rack: 'dev', step: 'update-stack', status: 'running'});
		const last = tables.at(-1)!;
		expect(last[0]).toMatchObject({
			rack: 'dev',
			step: 'update-stack',
			status: 'done',
			startedAt: expect.any(Number),
			endedAt: expect.any(Number),
		});
		expect(last[1]).toMatchObject({rack: 'prod-eu', status: 'untouched'});
		expect(last[1]!.startedAt).toBeUndefined();

		// A rack that fails or waits for the operator is drawn at once.
		reporter.emit({type: 'rack-state', rack: 'prod-eu', state: 'failed', wave: 1});
		reporter.emit({type: 'rack-state', rack: 'dev', state: 'waiting', wave: 0});
		expect(held.slice(-2)).toEqual([false, false]);
		expect(tables.at(-1)!.map(row => row.status)).toEqual(['waiting', 'failed']);
	});
});
