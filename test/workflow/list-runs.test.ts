import {copyFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {fleetFiles, FleetStore} from '../../source/workflow/fleet/fleet-journal';
import {JournalStore} from '../../source/workflow/journal-store';
import {listRunsIn} from '../../source/workflow/list-runs';
import {createRun} from '../../source/workflow/plan';
import {reduceRun} from '../../source/workflow/reducer';
import {acquireStateLock} from '../../source/workflow/state-lock';
import {StateMirror, type SharedState} from '../../source/workflow/state-mirror';
import {recordingConsole} from '../support/recording-console';
import {teamState} from '../support/team-state';
import type {Run, RunEventInput} from '../../source/core/types';

function runWith(id: string, kind: Run['kind'], mode: Run['mode'], now: string, events: RunEventInput[]): Run {
	const run = createRun({
		id,
		kind,
		account: 'prod',
		mode,
		production: true,
		options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
		now: new Date(now),
	});
	return events.reduce((current, event) => reduceRun(current, {...event, runId: id, at: new Date().toISOString()} as never), run);
}

let stateDir: string;

beforeEach(async () => {
	stateDir = await mkdtemp(path.join(tmpdir(), 'convox-ami-list-runs-'));
});

afterEach(async () => {
	await rm(stateDir, {recursive: true, force: true});
});

/** What `convox-ami runs` prints (stdout) and warns (stderr), with or without --json, and with a shared state. */
async function listed(json: boolean, shared?: SharedState): Promise<{printed: string; warned: string[]}> {
	const console = recordingConsole();
	await listRunsIn(stateDir, shared, {json, console});
	return {printed: console.stdout, warned: console.stderr.split('\n').filter(Boolean)};
}

const printedRuns = async (json: boolean) => (await listed(json)).printed;

describe('convox-ami runs', () => {
	it('says where it found no run; with --json prints nothing, and names a journal it could not read', async () => {
		expect(await listed(false)).toEqual({printed: `No runs in ${stateDir}.\n`, warned: []});
		const store = new JournalStore(stateDir);
		await store.ensureWritable();
		await writeFile(path.join(stateDir, 'runs', '20261125-012547-prod-ysa4.json'), '{"schemaVersion": 1, "id": ');
		const {printed, warned} = await listed(true);
		expect(printed).toBe('');
		expect(warned).toEqual([expect.stringMatching(/^! .*20261125-012547-prod-ysa4\.json was not read: /)]);
	});

	it('with a shared state: lists what the bucket holds, says its advice, and closes it; a driven state dir is listed as it is', async () => {
		const world = await mkdtemp(path.join(tmpdir(), 'convox-ami-list-runs-s3-'));
		const s3 = await teamState(path.join(world, 's3'));
		try {
			const {backend} = s3;
			// A run journaled on another machine, in the bucket only.
			const elsewhere = new JournalStore(path.join(world, 'elsewhere'));
			await elsewhere.ensureWritable();
			const id = '20261125-012547-prod-ysa4';
			elsewhere.save(
				runWith(id, 'release', 'live', '2026-11-25T01:25:47Z', [
					{type: 'run', status: 'finished', env: 'prod', mode: 'live', kind: 'release'},
				]),
			);
			await backend.put(`runs/${id}.json`, await readFile(path.join(elsewhere.stateDir, 'runs', `${id}.json`), 'utf8'));
			let closed = 0;
			const shared = (): SharedState => ({
				backend,
				mirror: new StateMirror(backend, stateDir),
				advice: 'Versioning is off on team-state.',
				close: async () => void closed++,
			});

			const driven = await acquireStateLock(stateDir, 'convox-ami release');
			const whileDriven = await listed(false, shared());
			driven.release();
			expect(whileDriven.printed).toBe(`No runs in s3://team-state/convox.\n`);
			expect(whileDriven.warned).toEqual([
				expect.stringMatching(
					/^! Another convox-ami \(pid \d+, `convox-ami release`, .*\) is driving .* The runs are listed from its working copy\.$/,
				),
				'! Versioning is off on team-state.',
			]);

			const {printed, warned} = await listed(false, shared());
			expect(printed).toMatch(new RegExp(`^${id} +prod +`, 'm'));
			expect(warned).toEqual(['! Versioning is off on team-state.']);
			expect(closed).toBe(2);
		} finally {
			await s3.standIn.close();
			await rm(world, {recursive: true, force: true});
		}
	});

	it('shows the step reached, the status, the AMI and the version of each run within 100 columns', async () => {
		const store = new JournalStore(stateDir);
		await store.ensureWritable();
		store.save(
			runWith('20261125-012547-prod-ysa4', 'release', 'live', '2026-11-25T01:25:47Z', [
				{type: 'step', step: 'resolve-version', status: 'done', outputs: {convoxVersion: '20160916121812'}},
				{type: 'step', step: 'build', status: 'done', outputs: {amiId: 'ami-571ad642a3f94a746'}},
				{type: 'run', status: 'finished', env: 'prod', mode: 'live', kind: 'release'},
			]),
		);
		store.save(
			runWith('20261125-013000-prod-abcd', 'checklist', 'rehearsal', '2026-11-25T01:30:00Z', [
				{type: 'step', step: 'account', status: 'done'},
				{type: 'step', step: 'verify', status: 'failed', error: 'Interrupted'},
				{type: 'run', status: 'interrupted', env: 'prod', mode: 'rehearsal', kind: 'checklist'},
			]),
		);
		const summaries = (await printedRuns(true))
			.trimEnd()
			.split('\n')
			.map(line => JSON.parse(line) as Record<string, unknown>);
		expect(summaries.find(summary => summary.id === '20261125-013000-prod-abcd')).toMatchObject({
			type: 'run-summary',
			step: 'verify',
			status: 'interrupted',
			ami: '',
			convoxVersion: '',
		});
		const table = (await printedRuns(false)).trimEnd().split('\n');
		expect(table[0]).toMatch(/^RUN +ENV +STEP +STATUS +AMI +CONVOX$/);
		expect(table[1]).toMatch(/^20261125-013000-prod-abcd +prod +verify +interrupted +- +- +checklist, rehearsal$/);
		expect(table[2]).toMatch(/^20261125-012547-prod-ysa4 +prod +done +finished +ami-571ad642a3f94a746 +20160916121812$/);
		for (const line of [table[0]!, table[2]!]) expect(line.length).toBeLessThanOrEqual(100);
		expect(table).toHaveLength(3);
	});

	it('lists each fleet run after the runs: its progress, then one line per rack with its wave, state and run', async () => {
		const store = new JournalStore(stateDir);
		await store.ensureWritable();
		store.save(
			runWith('20261205-101502-dev-a1b2', 'release', 'live', '2026-12-05T10:15:02Z', [
				{type: 'run', status: 'finished', env: 'prod', mode: 'live', kind: 'release'},
			]),
		);
		// A fleet run as the previous convox-ami journaled it, killed in its second wave.
		const fleetId = '20261205-101500-fleet-all-k3x9';
		await new FleetStore(stateDir).ensureWritable();
		await copyFile(path.join(import.meta.dirname, '../fixtures/fleet-journal', `${fleetId}.json`), fleetFiles(stateDir, fleetId).journal);
		const events = (await printedRuns(true))
			.trimEnd()
			.split('\n')
			.map(line => JSON.parse(line) as Record<string, unknown>);
		expect(events.map(event => event.type)).toEqual(['run-summary', 'fleet-summary']);
		expect(events[1]).toEqual({
			type: 'fleet-summary',
			id: fleetId,
			fleet: 'all',
			mode: 'live',
			status: 'running',
			convoxVersion: '20260708102410',
			createdAt: expect.any(String),
			racks: [
				{rack: 'dev', wave: 1, state: 'done', runId: '20261205-101502-dev-a1b2'},
				{rack: 'prod-us', wave: 2, state: 'running', runId: '20261205-101502-prod-us-c3d4'},
				{rack: 'prod-eu', wave: 2, state: 'failed', runId: '20261205-103340-prod-eu-e5f6'},
			],
		});
		expect((await printedRuns(false)).trimEnd().split('\n').slice(3)).toEqual([
			`FLEET ${fleetId}  all  running  1/3 racks done  Convox 20260708102410`,
			'  dev      wave 1  done     20261205-101502-dev-a1b2',
			'  prod-us  wave 2  running  20261205-101502-prod-us-c3d4',
			'  prod-eu  wave 2  failed   20261205-103340-prod-eu-e5f6',
		]);
	});
});
