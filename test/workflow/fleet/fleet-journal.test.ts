import {copyFile, mkdtemp, readFile, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {fleetFiles, FleetStore, linkedRunIds} from '../../../source/workflow/fleet/fleet-journal';
import {reduceFleet} from '../../../source/workflow/fleet/fleet-reducer';
import {StateMirror} from '../../../source/workflow/state-mirror';
import {teamState, type TeamState} from '../../support/team-state';

/** A fleet run as the previous convox-ami journaled it, killed in its second wave. */
const OLD_FLEET_ID = '20261205-101500-fleet-all-k3x9';
const OLD_FLEET = path.join(import.meta.dirname, '../../fixtures/fleet-journal', `${OLD_FLEET_ID}.json`);

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'convox-ami-fleet-journal-'));

async function stateWithOldFleet(): Promise<string> {
	const dir = await tempDir();
	await new FleetStore(dir).ensureWritable();
	await copyFile(OLD_FLEET, fleetFiles(dir, OLD_FLEET_ID).journal);
	return dir;
}

describe('the fleet journal', () => {
	it('loads a fleet run journaled by the previous version, and resumes it: the racks not done go again, built AMIs are kept', async () => {
		const store = new FleetStore(await stateWithOldFleet());
		const fleet = await store.load(OLD_FLEET_ID);
		expect(fleet).toMatchObject({fleet: 'all', status: 'running', convoxVersion: '20260708102410', confirmedWaves: [0, 1]});
		const resumed = reduceFleet(fleet, {type: 'resumed', at: '2026-12-05T11:00:00.000Z', note: 'Fleet run resumed: 1 of 3 racks done.'});
		expect(resumed.racks.map(rack => [rack.name, rack.state, rack.runId])).toEqual([
			['dev', 'done', '20261205-101502-dev-a1b2'],
			['prod-us', 'pending', '20261205-101502-prod-us-c3d4'],
			['prod-eu', 'pending', '20261205-103340-prod-eu-e5f6'],
		]);
		expect(resumed.images.map(image => [image.status, image.amiId])).toEqual([
			['done', 'ami-0a1b2c3d4e5f60718'],
			['done', 'ami-0f9e8d7c6b5a40312'],
			['done', 'ami-05566778899aabbcc'],
		]);
		expect(linkedRunIds([resumed])).toEqual(
			new Set(['20261205-101502-dev-a1b2', '20261205-101502-prod-us-c3d4', '20261205-103340-prod-eu-e5f6']),
		);
		store.save(resumed);
		expect(await store.load(OLD_FLEET_ID)).toEqual(resumed);
	});

	it('lists fleet runs newest first, and names the files that do not load without touching them', async () => {
		const dir = await stateWithOldFleet();
		const store = new FleetStore(dir);
		const old = await store.load(OLD_FLEET_ID);
		store.save({...old, id: 'newer', createdAt: '2026-12-06T00:00:00.000Z'});
		const corrupt = fleetFiles(dir, 'corrupt').journal;
		await writeFile(corrupt, '{"schemaVersion": 1, "kind": "fle');
		const aRun = fleetFiles(dir, 'a-run').journal;
		await writeFile(aRun, JSON.stringify({schemaVersion: 1, id: 'a-run', steps: []}));
		const {entries, unreadable} = await store.list();
		expect(entries.map(fleet => fleet.id)).toEqual(['newer', OLD_FLEET_ID]);
		expect(unreadable).toEqual([
			{
				file: aRun,
				problem: expect.stringMatching(/^The fleet journal .*a-run\.json is not a convox-ami fleet run; it was left as it is\.$/),
			},
			{file: corrupt, problem: expect.stringMatching(/^The fleet journal .*corrupt\.json is corrupt \(.*\); it was left as it is\.$/)},
		]);
		expect(await readFile(corrupt, 'utf8')).toBe('{"schemaVersion": 1, "kind": "fle');
		await expect(store.load('missing')).rejects.toMatchObject({
			exitCode: 2,
			message: `No fleet run missing in ${path.join(dir, 'fleets')}.`,
		});
	});

	it('refuses a fleet journal of another schema version', async () => {
		const dir = await stateWithOldFleet();
		const text = await readFile(OLD_FLEET, 'utf8');
		await writeFile(fleetFiles(dir, 'future').journal, text.replace('"schemaVersion": 1', '"schemaVersion": 2'));
		await expect(new FleetStore(dir).load('future')).rejects.toThrow(/has schema version 2; this convox-ami reads version 1/);
	});

	describe('with a shared state (the loopback S3 stand-in, real SDK)', () => {
		let shared: TeamState | undefined;
		afterEach(async () => {
			await shared?.standIn.close();
		});

		it('every save is written through to fleets/ID.json, and the report follows once settled', async () => {
			const bucketRoot = await tempDir();
			shared = await teamState(bucketRoot);
			const {backend, standIn} = shared;
			const dir = await stateWithOldFleet();
			const store = new FleetStore(dir, new StateMirror(backend, dir));
			const fleet = await store.load(OLD_FLEET_ID);
			store.save(fleet);
			const changed = reduceFleet(fleet, {type: 'status', status: 'interrupted', at: '2026-12-05T11:00:00.000Z'});
			store.save(changed);
			await writeFile(fleetFiles(dir, OLD_FLEET_ID).report, '# Fleet release all\n');
			await store.settled(OLD_FLEET_ID);
			expect(JSON.parse((await backend.get(`fleets/${OLD_FLEET_ID}.json`))!.text)).toEqual(changed);
			expect((await backend.get(`fleets/${OLD_FLEET_ID}.report.md`))?.text).toBe('# Fleet release all\n');
			// The second save replaced exactly the version the first one wrote.
			const puts = standIn.calls.filter(call => call.method === 'PUT' && call.key.endsWith('.json'));
			expect(puts.map(call => [call.headers['if-none-match'], Boolean(call.headers['if-match'])])).toEqual([
				['*', false],
				[undefined, true],
			]);
		});
	});
});
