import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {unlockByHand} from '../../source/workflow/manual-unlock';
import {acquireStackLock, lockTiming, type StackLock} from '../../source/workflow/stack-lock';
import {StateMirror, type SharedState} from '../../source/workflow/state-mirror';
import {recordingConsole} from '../support/recording-console';
import {teamState, type TeamState} from '../support/team-state';

describe('unlockByHand (convox-ami unlock)', () => {
	it('refuses without a lock id before opening any state, and without a shared state says where rack locks are', async () => {
		let opened = 0;
		const openShared = async () => {
			opened++;
			return undefined;
		};
		await expect(unlockByHand(undefined, openShared, {json: false, console: recordingConsole()})).rejects.toMatchObject({
			message: 'unlock needs the lock id that the refusal printed.',
			hint: 'Run `convox-ami unlock LOCK_ID`.',
		});
		expect(opened).toBe(0);
		const refusal = unlockByHand('111111111111.us-east-1.convox-dev.3f2a9c1b', openShared, {json: false, console: recordingConsole()});
		await expect(refusal).rejects.toMatchObject({
			message: 'Rack locks are kept in the S3 state; no state is configured here.',
			hint: expect.stringContaining('--state s3://BUCKET/PREFIX'),
		});
		expect(opened).toBe(1);
	});

	describe('in an S3 state (the loopback stand-in)', () => {
		const stack = {accountId: '111111111111', region: 'us-east-1', stackName: 'convox-dev'};
		let root: string;
		let s3: TeamState;
		let closed: number;
		let shared: SharedState;
		let locks: StackLock[];
		beforeEach(async () => {
			root = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-manual-unlock-'));
			s3 = await teamState(path.join(root, 's3'));
			const {backend} = s3;
			closed = 0;
			locks = [];
			shared = {backend, mirror: new StateMirror(backend, path.join(root, 'state')), close: async () => void closed++};
		});
		afterEach(async () => {
			// Their heartbeats stop; a lock released by hand is no longer theirs and stays gone.
			for (const lock of locks) await lock.release();
			await s3.standIn.close();
			await rm(root, {recursive: true, force: true});
		});

		/** A rack lock held by a run, and the id its refusal would print. */
		async function heldLock(runId: string): Promise<string> {
			const timing = lockTiming({}, {rehearsal: false});
			locks.push(await acquireStackLock(shared.backend, stack, {runId, command: 'convox-ami release'}, {timing, onLost: () => undefined}));
			const {text} = (await shared.backend.get('locks/111111111111.us-east-1.convox-dev.lock'))!;
			return `111111111111.us-east-1.convox-dev.${(JSON.parse(text) as {id: string}).id}`;
		}

		it('releases the lock the id names, says whose it was (one JSON line with --json), and closes the state', async () => {
			const lockId = await heldLock('20261207-000000-dev-abcd');
			const json = recordingConsole();
			await unlockByHand(lockId, async () => shared, {json: true, console: json});
			expect(JSON.parse(json.stdout)).toMatchObject({
				type: 'unlocked',
				lockId,
				holder: {runId: '20261207-000000-dev-abcd', pid: process.pid},
			});
			expect(json.stdout.endsWith('}\n')).toBe(true);
			expect(await shared.backend.list('locks/')).toEqual([]);
			expect(closed).toBe(1);

			const again = await heldLock('20261207-000001-dev-efgh');
			const plain = recordingConsole();
			await unlockByHand(again, async () => shared, {json: false, console: plain});
			expect(plain.stdout).toContain(`Released the lock ${again} held by `);
			expect(plain.stdout).toContain(` pid ${process.pid} for run 20261207-000001-dev-efgh since `);
		});

		it("an id that is not the holder's is refused, the lock kept, and the state closed all the same", async () => {
			await heldLock('20261207-000000-dev-abcd');
			await expect(
				unlockByHand('111111111111.us-east-1.convox-dev.00000000', async () => shared, {json: false, console: recordingConsole()}),
			).rejects.toThrow(/now held by someone else/);
			expect(await shared.backend.list('locks/')).toHaveLength(1);
			expect(closed).toBe(1);
		});
	});
});
