import {copyFile, mkdtemp} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {twoWaveFleetConfig} from '../../support/fleet-state';
import type {FleetEventInput} from '../../../source/core/fleet-events';
import type {ChangeSetPreview} from '../../../source/core/step-outputs';
import type {Run} from '../../../source/core/types';
import {FleetContext} from '../../../source/workflow/fleet/fleet-context';
import {fleetFiles, FleetStore, type FleetRackRecord, type FleetRun} from '../../../source/workflow/fleet/fleet-journal';
import type {FleetSession, FleetWorld} from '../../../source/workflow/fleet/fleet-world';
import {newFleetRun} from '../../../source/workflow/fleet/new-fleet-run';
import {recheckPreviews} from '../../../source/workflow/fleet/wave-approval';
import {WaveGates} from '../../../source/workflow/fleet/wave-gates';
import {JournalStore} from '../../../source/workflow/journal-store';
import {newReleaseRun} from '../../support/runs';

const config = twoWaveFleetConfig;

const preview = (changeSetName: string): ChangeSetPreview => ({
	changeSetName,
	consoleUrl: `https://console/${changeSetName}`,
	previewedAt: '2026-12-05T10:20:00.000Z',
	stackStatus: 'UPDATE_COMPLETE',
	stackLastUpdated: '2026-11-01T00:00:00.000Z',
	parametersDigest: 'digest',
});

/** A rack's run stopped at its preview: update-stack waiting with the change set shown, maybe approved since. */
function previewedRun(id: string, account: string, outputs: Record<string, unknown>): Run {
	const run = newReleaseRun(id, account);
	return {
		...run,
		status: 'waiting',
		steps: run.steps.map(step =>
			step.id === 'update-stack' ? {...step, status: 'waiting', outputs} : step.id === 'verify' ? step : {...step, status: 'done'},
		),
	};
}

/** A fleet session over a real journal; the world answers how a stack changed, and counts the reads. */
async function sessionFor(changed: Record<string, string | Error>) {
	const stateDir = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-wave-approval-'));
	const runs = new JournalStore(stateDir);
	await runs.ensureWritable();
	const reads: string[] = [];
	const events: FleetEventInput[] = [];
	const world = {
		stackChangedSince: async (rack: FleetRackRecord) => {
			reads.push(rack.name);
			const how = changed[rack.name];
			if (how instanceof Error) throw how;
			return how;
		},
	} as Partial<FleetWorld> as FleetWorld;
	const session: FleetSession = {
		stateDir,
		runs,
		config,
		prompter: {interactive: false} as FleetSession['prompter'],
		yes: false,
		signal: new AbortController().signal,
		sink: {emit: event => events.push(event), rackSink: () => () => undefined},
		world,
	};
	return {session, runs, reads, events, stateDir};
}

function linked(fleet: FleetRun, runIds: Record<string, string>): FleetRun {
	return {...fleet, racks: fleet.racks.map(rack => (runIds[rack.name] ? {...rack, runId: runIds[rack.name]} : rack))};
}

describe('recheckPreviews: a resumed fleet of --until preview', () => {
	const previewing = () =>
		linked(newFleetRun(config, 'all', {model: {world: 'live', readOnly: false}, confirm: [], until: 'preview'}), {
			'prod-us': 'run-us',
			'prod-eu': 'run-eu',
		});

	it('holds a wave whose rack stack changed since its preview, naming the rack and how', async () => {
		const {session, runs, reads, events} = await sessionFor({'prod-eu': 'its parameters changed'});
		runs.save(previewedRun('run-us', 'prod-us', {preview: preview('cs-us')}));
		runs.save(previewedRun('run-eu', 'prod-eu', {preview: preview('cs-eu')}));
		const gates = new WaveGates(new FleetContext(session, previewing()));
		await recheckPreviews(new FleetContext(session, previewing()), gates);
		expect(reads.sort()).toEqual(['prod-eu', 'prod-us']);
		expect([...(gates.held(1) ?? [])]).toEqual([['prod-eu', 'its parameters changed']]);
		expect(gates.held(0)).toBeUndefined();
		expect(events).toContainEqual(
			expect.objectContaining({
				type: 'notice',
				level: 'warn',
				rack: 'prod-eu',
				message: expect.stringContaining('convox-prod-eu changed since change set cs-eu was previewed (its parameters changed)'),
			}),
		);
	});

	it('holds a wave whose rack stack cannot be read now (throttled, no network), naming why', async () => {
		const {session, runs} = await sessionFor({'prod-us': new Error('Rate exceeded')});
		runs.save(previewedRun('run-us', 'prod-us', {preview: preview('cs-us')}));
		runs.save(previewedRun('run-eu', 'prod-eu', {preview: preview('cs-eu')}));
		const gates = new WaveGates(new FleetContext(session, previewing()));
		await recheckPreviews(new FleetContext(session, previewing()), gates);
		expect([...(gates.held(1) ?? [])]).toEqual([['prod-us', 'it could not be read: Rate exceeded']]);
	});

	it('holds nothing when every previewed stack is as it was, and reads no stack of a rack approved already', async () => {
		const {session, runs, reads} = await sessionFor({});
		// An approval of an earlier change set does not approve the fresh one.
		const earlier = {changeSetName: 'cs-us-0', arn: 'arn', user: 'ada', at: 'now'};
		runs.save(previewedRun('run-us', 'prod-us', {preview: preview('cs-us'), approval: earlier}));
		runs.save(
			previewedRun('run-eu', 'prod-eu', {
				preview: preview('cs-eu'),
				approval: {changeSetName: 'cs-eu', arn: 'arn', user: 'ada', at: 'now'},
			}),
		);
		const gates = new WaveGates(new FleetContext(session, previewing()));
		await recheckPreviews(new FleetContext(session, previewing()), gates);
		expect(reads).toEqual(['prod-us']);
		expect(gates.held(1)).toBeUndefined();
	});

	it('a fleet run journaled before --until preview existed (the old fixture) reads no stack and holds nothing', async () => {
		const {session, runs, reads, stateDir} = await sessionFor({'prod-us': 'its parameters changed'});
		const id = '20261205-101500-fleet-all-k3x9';
		const store = new FleetStore(stateDir);
		await store.ensureWritable();
		await copyFile(path.join(import.meta.dirname, '../../fixtures/fleet-journal', `${id}.json`), fleetFiles(stateDir, id).journal);
		const old = await store.load(id);
		expect(old.until).toBeUndefined();
		runs.save(previewedRun('20261205-101502-prod-us-c3d4', 'prod-us', {preview: preview('cs-us')}));
		const gates = new WaveGates(new FleetContext(session, old));
		await recheckPreviews(new FleetContext(session, old), gates);
		expect(reads).toEqual([]);
		expect(gates.held(1)).toBeUndefined();
	});
});
