import {request as httpRequest} from 'node:http';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, afterEach, beforeEach, describe, expect, test} from 'vitest';
import {UsageError} from '../../source/core/errors';
import {WriteConflict, type StateBackend} from '../../source/core/state-backend';
import {startS3StandIn, type S3StandIn} from '../../source/rehearsal/s3-stand-in';
import {createS3State} from '../../source/services/s3-state';
import {acquireStackLock, releaseLockById, type LockTiming} from '../../source/workflow/stack-lock';
import {StateMirror} from '../../source/workflow/state-mirror';

const CREDENTIALS = {accessKeyId: 'AKIATESTSTATE0000001', secretAccessKey: 'test-state-secret'};
const STACK = {accountId: '111111111111', region: 'us-east-1', stackName: 'convox-dev'};
/** What `unlock` takes: ACCOUNT.REGION.STACK.ID, as a refusal prints it. */
const lockIdOf = (stack: typeof STACK, holder: {id: string}) => `${stack.accountId}.${stack.region}.${stack.stackName}.${holder.id}`;
const dirs: string[] = [];
afterAll(() => {
	for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
});

function tempDir(): string {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-s3-state-'));
	dirs.push(dir);
	return dir;
}

let standIn: S3StandIn;
let backend: StateBackend;
let bucketDir: string;

async function backendFor(options: {kmsKeyId?: string; bucket?: string} = {}): Promise<StateBackend> {
	return createS3State({
		location: {
			bucket: options.bucket ?? 'team-state',
			prefix: 'convox',
			region: 'us-east-1',
			...(options.kmsKeyId ? {kmsKeyId: options.kmsKeyId} : {}),
		},
		endpoint: standIn.url,
		credentials: CREDENTIALS,
	});
}

beforeEach(async () => {
	const dir = tempDir();
	bucketDir = path.join(dir, 'team-state');
	standIn = await startS3StandIn({dir, buckets: ['team-state', 'unversioned'], versioning: {'team-state': 'Enabled'}});
	backend = await backendFor();
});
afterEach(async () => {
	await standIn.close();
});

const manualClock = (start: number) => {
	let now = start;
	const timing: LockTiming = {heartbeatMs: 60_000, expiryMs: 300_000, now: () => now};
	return {timing, advance: (ms: number) => (now += ms)};
};

describe('the S3 backend over the loopback stand-in (real SDK, path style)', () => {
	test('puts, gets, lists under the prefix and deletes, every object encrypted with SSE-S3', async () => {
		const etag = await backend.put('runs/a.json', '{"a":1}\n');
		await backend.put('runs/a.report.md', '# report\n');
		await backend.put('fleets/f.json', '{}\n');
		expect(await backend.get('runs/a.json')).toEqual({text: '{"a":1}\n', etag});
		expect((await backend.list('runs/')).map(listed => listed.key)).toEqual(['runs/a.json', 'runs/a.report.md']);
		expect((await backend.list('runs/'))[0]!.etag).toBe(etag);
		expect(readFileSync(path.join(bucketDir, 'convox', 'runs', 'a.json'), 'utf8')).toBe('{"a":1}\n');
		await backend.delete('runs/a.json');
		expect(await backend.get('runs/a.json')).toBeUndefined();
		const puts = standIn.calls.filter(call => call.method === 'PUT');
		expect(puts.map(call => call.headers['x-amz-server-side-encryption'])).toEqual(['AES256', 'AES256', 'AES256']);
		expect(puts[0]!.key).toBe('convox/runs/a.json');
	});

	test('with state.s3.kmsKeyId, objects are written with SSE-KMS and that key', async () => {
		const kms = await backendFor({kmsKeyId: 'alias/convox-ami-state'});
		await kms.put('runs/b.json', '{}\n');
		const put = standIn.calls.find(call => call.method === 'PUT')!;
		expect(put.headers['x-amz-server-side-encryption']).toBe('aws:kms');
		expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/convox-ami-state');
	});

	test('If-None-Match: * creates once (412 after); If-Match replaces only the version read', async () => {
		const first = await backend.put('locks/x.lock', 'one', {ifNoneMatch: '*'});
		await expect(backend.put('locks/x.lock', 'two', {ifNoneMatch: '*'})).rejects.toMatchObject({reason: 'exists'});
		const second = await backend.put('locks/x.lock', 'two', {ifMatch: first});
		await expect(backend.put('locks/x.lock', 'three', {ifMatch: first})).rejects.toMatchObject({reason: 'changed'});
		expect(await backend.get('locks/x.lock')).toEqual({text: 'two', etag: second});
		expect(standIn.calls.filter(call => call.status === 412)).toHaveLength(2);
	});

	test('a conditional write while another of the same key is in flight answers 409 ConditionalRequestConflict', async () => {
		const url = new URL(`${standIn.url}/team-state/convox/runs/c.json`);
		// A writer that has sent its headers and not yet its body holds the key.
		const slow = httpRequest({
			method: 'PUT',
			host: url.hostname,
			port: url.port,
			path: url.pathname,
			headers: {'if-none-match': '*', 'content-length': '3'},
		});
		slow.flushHeaders();
		const answered = new Promise<number>(resolve => slow.on('response', response => resolve(response.statusCode ?? 0)));
		await expect.poll(() => standIn.calls.length).toBe(1);
		const error = await backend.put('runs/c.json', 'mine', {ifNoneMatch: '*'}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(WriteConflict);
		expect((error as WriteConflict).reason).toBe('conflict');
		slow.end('abc');
		expect(await answered).toBe(200);
		expect((await backend.get('runs/c.json'))?.text).toBe('abc');
	});

	test('If-Match writes of one key through two stand-in processes sharing the folder: exactly one replaces it', async () => {
		const first = await backend.put('runs/d.json', 'zero', {ifNoneMatch: '*'});
		// A second "machine": the same stand-in in another process over the same folder.
		const child = execa(
			process.execPath,
			[
				'--import',
				'tsx',
				'--input-type=module',
				'-e',
				`const {startS3StandIn} = await import(${JSON.stringify(new URL('../../source/rehearsal/s3-stand-in.ts', import.meta.url).pathname)});
				const standIn = await startS3StandIn({dir: ${JSON.stringify(path.dirname(bucketDir))}, buckets: ['team-state']});
				console.log(standIn.url);`,
			],
			{cwd: path.dirname(new URL(import.meta.url).pathname), buffer: false, reject: false},
		);
		try {
			const url = await new Promise<string>((resolve, reject) => {
				child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
				child.once('exit', code => reject(new Error(`the second stand-in exited with ${code}`)));
			});
			const otherBackend = await createS3State({
				location: {bucket: 'team-state', prefix: 'convox', region: 'us-east-1'},
				endpoint: url,
				credentials: CREDENTIALS,
			});
			const outcomes = await Promise.all(
				Array.from({length: 16}, (_, index) =>
					(index % 2 ? otherBackend : backend).put('runs/d.json', `writer ${index}`, {ifMatch: first}).then(
						() => 'replaced',
						(error: unknown) => (error instanceof WriteConflict ? error.reason : String(error)),
					),
				),
			);
			expect(outcomes.filter(outcome => outcome === 'replaced')).toHaveLength(1);
			expect(outcomes.filter(outcome => outcome !== 'replaced').every(outcome => outcome === 'changed' || outcome === 'conflict')).toBe(
				true,
			);
			expect((await backend.get('runs/d.json'))?.text).toBe(`writer ${outcomes.indexOf('replaced')}`);
		} finally {
			child.kill();
			await child;
		}
	});

	test("a claim on a key left by a stand-in process killed mid-write (kill -9) is taken at once; a living process's claim holds", async () => {
		const first = await backend.put('runs/e.json', 'zero', {ifNoneMatch: '*'});
		const claim = path.join(path.dirname(bucketDir), '.conditional-writes', encodeURIComponent('team-state/convox/runs/e.json'));
		const gone = execa(process.execPath, ['-e', '0']);
		await gone;
		mkdirSync(claim);
		writeFileSync(path.join(claim, String(gone.pid)), '');
		expect(await backend.put('runs/e.json', 'taken over', {ifMatch: first})).toBeTruthy();
		expect((await backend.get('runs/e.json'))?.text).toBe('taken over');

		const latest = (await backend.get('runs/e.json'))!.etag;
		mkdirSync(claim);
		writeFileSync(path.join(claim, String(process.pid)), '');
		const error = await backend.put('runs/e.json', 'refused', {ifMatch: latest}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(WriteConflict);
		expect((await backend.get('runs/e.json'))?.text).toBe('taken over');
	});

	test('versioning off is advised once; a missing bucket is a clear refusal', async () => {
		expect(await backend.advice()).toBeUndefined();
		expect(await (await backendFor({bucket: 'unversioned'})).advice()).toMatch(
			/Versioning is off on the state bucket unversioned.*put-bucket-versioning/,
		);
		const missing = await backendFor({bucket: 'no-such-bucket'});
		await expect(missing.list('runs/')).rejects.toThrow(/The state bucket of s3:\/\/no-such-bucket\/convox does not exist/);
	});
});

describe('the state dir as a working copy of the bucket', () => {
	test('pull brings the bucket into the folder; saves go out conditional on the ETag read', async () => {
		await backend.put('runs/r1.json', '{"v":1}\n');
		await backend.put('runs/r1.packer.log', 'line ***\n');
		const dir = tempDir();
		const mirror = new StateMirror(backend, dir);
		await mirror.pull();
		expect(readFileSync(path.join(dir, 'runs', 'r1.json'), 'utf8')).toBe('{"v":1}\n');
		expect(readFileSync(path.join(dir, 'runs', 'r1.packer.log'), 'utf8')).toBe('line ***\n');
		const before = standIn.calls.length;
		mirror.journal('runs/r1.json', '{"v":2}\n');
		await mirror.settled();
		const write = standIn.calls.slice(before).find(call => call.method === 'PUT')!;
		expect(write.headers['if-match']).toMatch(/^"[0-9a-f]{32}"$/);
		expect((await backend.get('runs/r1.json'))?.text).toBe('{"v":2}\n');
	});

	test('a second pull fetches only what changed in the bucket or was changed locally', async () => {
		await backend.put('runs/p1.json', '{"v":1}\n');
		await backend.put('runs/p1.packer.log', 'log\n');
		await backend.put('runs/p2.json', '{"v":1}\n');
		const dir = tempDir();
		const fetched = async () => {
			const before = standIn.calls.length;
			await new StateMirror(backend, dir).pull();
			return standIn.calls
				.slice(before)
				.filter(call => call.method === 'GET' && call.key.includes('/runs/'))
				.map(call => call.key.slice('convox/'.length))
				.sort();
		};
		expect(await fetched()).toEqual(['runs/p1.json', 'runs/p1.packer.log', 'runs/p2.json']);
		expect(await fetched()).toEqual([]);
		await backend.put('runs/p2.json', '{"v":2}\n');
		await writeFile(path.join(dir, 'runs', 'p1.packer.log'), 'edited here\n');
		expect(await fetched()).toEqual(['runs/p1.packer.log', 'runs/p2.json']);
		expect(readFileSync(path.join(dir, 'runs', 'p1.packer.log'), 'utf8')).toBe('log\n');
		expect(readFileSync(path.join(dir, 'runs', 'p2.json'), 'utf8')).toBe('{"v":2}\n');
		const mirror = new StateMirror(backend, dir);
		await mirror.pull();
		await writeFile(path.join(dir, 'runs', 'p2.json'), '{"v":3}\n');
		mirror.journal('runs/p2.json', '{"v":3}\n');
		await mirror.settled();
		expect(await fetched()).toEqual([]);
	});

	test('a 409 or a 412 while nobody changed the journal: the write is applied again on the fresh ETag', async () => {
		const mirror = new StateMirror(backend, tempDir());
		mirror.journal('runs/r2.json', '{"v":1}\n');
		await mirror.settled();
		standIn.failNextConditionalWrite('team-state', 'convox/runs/r2.json', 409);
		mirror.journal('runs/r2.json', '{"v":2}\n');
		await mirror.settled();
		standIn.failNextConditionalWrite('team-state', 'convox/runs/r2.json', 412);
		mirror.journal('runs/r2.json', '{"v":3}\n');
		await mirror.settled();
		expect((await backend.get('runs/r2.json'))?.text).toBe('{"v":3}\n');
		expect(standIn.calls.filter(call => call.status === 409 || call.status === 412)).toHaveLength(2);
	});

	test('another writer changed the journal: the write stops with a clear message and never overwrites', async () => {
		const mirror = new StateMirror(backend, tempDir());
		mirror.journal('runs/r3.json', '{"v":1}\n');
		await mirror.settled();
		await backend.put('runs/r3.json', '{"v":"other machine"}\n');
		mirror.journal('runs/r3.json', '{"v":2}\n');
		await expect(mirror.settled()).rejects.toThrow(
			/The journal s3:\/\/team-state\/convox\/runs\/r3.json was changed by another process since this one read it \(changed\); this process stopped without overwriting it/,
		);
		expect((await backend.get('runs/r3.json'))?.text).toBe('{"v":"other machine"}\n');
		expect(() => mirror.journal('runs/r3.json', '{"v":3}\n')).toThrow(/changed by another process/);
	});
});

describe('the per-stack lock', () => {
	const owner = {runId: '20261207-000000-dev-abcd', command: 'convox-ami release'};

	test('a second holder is refused, naming the first and its lock id; another stack in the bucket is free', async () => {
		const {timing} = manualClock(Date.parse('2026-12-07T04:00:00Z'));
		const lost: string[] = [];
		const lock = await acquireStackLock(backend, STACK, owner, {timing, onLost: message => lost.push(message)});
		const held = JSON.parse((await backend.get('locks/111111111111.us-east-1.convox-dev.lock'))!.text) as {
			id: string;
			pid: number;
			runId: string;
		};
		expect(held).toMatchObject({pid: process.pid, runId: owner.runId, host: os.hostname()});
		const refusal = await acquireStackLock(backend, STACK, {...owner, runId: 'other'}, {timing, onLost: () => undefined}).catch(
			(error: unknown) => error,
		);
		expect(refusal).toBeInstanceOf(UsageError);
		expect((refusal as UsageError).message).toContain(
			`convox-dev (account 111111111111, us-east-1) is locked by ${os.userInfo().username}@${os.hostname()} pid ${process.pid}, run ${owner.runId}`,
		);
		expect((refusal as UsageError).hint).toContain(`convox-ami unlock ${lockIdOf(STACK, held)}`);
		const other = await acquireStackLock(backend, {...STACK, stackName: 'convox-prod'}, owner, {timing, onLost: () => undefined});
		await other.release();
		await lock.release();
		expect(await backend.list('locks/')).toEqual([]);
		expect(lost).toEqual([]);
	});

	test('a lock whose heartbeat is older than the expiry is taken over; its old holder learns it lost it', async () => {
		const clock = manualClock(Date.parse('2026-12-07T04:00:00Z'));
		const stale = await acquireStackLock(backend, STACK, owner, {timing: clock.timing, onLost: () => undefined});
		clock.advance(clock.timing.expiryMs + 1000);
		const taker = await acquireStackLock(backend, STACK, {...owner, runId: 'taker'}, {timing: clock.timing, onLost: () => undefined});
		expect(taker.takenOver).toMatchObject({runId: owner.runId, pid: process.pid});
		expect(await stale.lost()).toMatch(/is now held by .* \(run taker\): it was taken over once this run's heartbeat had expired/);
		expect(await taker.lost()).toBeUndefined();
		// The stale holder's release leaves the new holder's lock alone.
		await stale.release();
		expect(JSON.parse((await backend.get('locks/111111111111.us-east-1.convox-dev.lock'))!.text)).toMatchObject({runId: 'taker'});
		await taker.release();
	});

	test('a live holder renews its heartbeat; after a takeover its renewal fails and it is told', async () => {
		let now = Date.parse('2026-12-07T04:00:00Z');
		const timing: LockTiming = {heartbeatMs: 20, expiryMs: 300_000, now: () => now};
		const lost: string[] = [];
		const lock = await acquireStackLock(backend, STACK, owner, {timing, onLost: message => lost.push(message)});
		const key = 'locks/111111111111.us-east-1.convox-dev.lock';
		now += 60_000;
		await expect
			.poll(async () => (JSON.parse((await backend.get(key))!.text) as {heartbeat: string}).heartbeat)
			.toBe(new Date(now).toISOString());
		const held = JSON.parse((await backend.get(key))!.text) as {id: string};
		await releaseLockById(backend, lockIdOf(STACK, held));
		await expect.poll(() => lost.length).toBe(1);
		expect(lost[0]).toMatch(
			/was released by hand \(`convox-ami unlock`\); this run no longer holds it\. The run stops before its next step\./,
		);
		expect(await lock.lost()).toMatch(/^The lock of convox-dev in s3:\/\/team-state\/convox was released by hand/);
		await lock.release();
	});

	test('a renewal that S3 refuses once (a 500) is said and tried again: the lock is still held and released at the end', async () => {
		let now = Date.parse('2026-12-07T04:00:00Z');
		const timing: LockTiming = {heartbeatMs: 20, expiryMs: 300_000, now: () => now};
		let failures = 1;
		const flaky: StateBackend = {
			...backend,
			async put(key, text, condition) {
				if (condition && 'ifMatch' in condition && failures-- > 0) throw new Error('We encountered an internal error. Please try again.');
				return await backend.put(key, text, condition);
			},
		};
		const lost: string[] = [];
		const lock = await acquireStackLock(flaky, STACK, owner, {timing, onLost: message => lost.push(message)});
		const key = 'locks/111111111111.us-east-1.convox-dev.lock';
		now += 60_000;
		await expect
			.poll(async () => (JSON.parse((await backend.get(key))!.text) as {heartbeat: string}).heartbeat)
			.toBe(new Date(now).toISOString());
		expect(lost).toEqual([expect.stringMatching(/^Could not renew the lock of convox-dev .*trying again at the next heartbeat/)]);
		expect(await lock.lost()).toBeUndefined();
		await lock.release();
		expect(await backend.get(key)).toBeUndefined();
	});

	test('unlock releases only the holder its id names', async () => {
		const {timing} = manualClock(Date.now());
		const lock = await acquireStackLock(backend, STACK, owner, {timing, onLost: () => undefined});
		const held = JSON.parse((await backend.get('locks/111111111111.us-east-1.convox-dev.lock'))!.text) as {id: string};
		await expect(releaseLockById(backend, lockIdOf(STACK, {id: '00000000'}))).rejects.toThrow(
			/now held by someone else .* it was not released/,
		);
		await expect(releaseLockById(backend, 'convox-dev')).rejects.toThrow(/convox-dev is not a lock id/);
		expect(await releaseLockById(backend, lockIdOf(STACK, held))).toMatchObject({runId: owner.runId});
		await expect(releaseLockById(backend, lockIdOf(STACK, held))).rejects.toThrow(/is not locked in s3:\/\/team-state\/convox/);
		await lock.release();
	});
});
