import {spawn} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {StateHandOff} from '../../../source/core/state-location';
import {startS3StandIn, type S3StandIn} from '../../../source/rehearsal/s3-stand-in';
import {keeperElsewhere, type KeeperRecord} from '../../../source/services/packer/keeper';
import {isRunning} from '../../../source/services/packer/orphan';

const TEMPLATE = new URL('../../fixtures/packer-null/template.json', import.meta.url).pathname;
const ORPHAN_CLI = new URL('../../support/build-orphan-cli.ts', import.meta.url).pathname;
/** What build-orphan-cli hands Packer: none of it may reach the bucket. */
const NEEDLES = ['orphan-secret', 'AKIAORPHANTEST000001', 'share-secret-key'];

const dir = mkdtempSync(join(os.tmpdir(), 'keeper-share-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

let standIn: S3StandIn;
let bucketDir: string;
beforeEach(async () => {
	const root = mkdtempSync(join(dir, 's3-'));
	bucketDir = join(root, 'state', 'team');
	standIn = await startS3StandIn({dir: root, buckets: ['state']});
});
afterEach(async () => {
	await standIn.close();
});

const shared = (): StateHandOff => ({
	location: {bucket: 'state', prefix: 'team', region: 'us-east-1'},
	endpoint: standIn.url,
	credentials: {accessKeyId: 'AKIASHARETEST0000001', secretAccessKey: 'share-secret-key'},
});

function bucketRecord(name: string): KeeperRecord | undefined {
	try {
		return JSON.parse(readFileSync(join(bucketDir, 'runs', `${name}.packer.record`), 'utf8')) as KeeperRecord;
	} catch {
		return undefined;
	}
}

describe('the keeper and the shared state', () => {
	it('sends its record, scrubbed log and output to the bucket while it builds and once Packer ended, after its starter was killed', async () => {
		const startedAt = Date.now();
		const logPath = join(dir, 'runs', 'shared.packer.log');
		const starter = spawn(process.execPath, ['--import', 'tsx', ORPHAN_CLI, 'packer', TEMPLATE, logPath], {
			env: {
				...process.env,
				PACKER_NULL_SLEEP: '2',
				BUILD_ORPHAN_MARKER: 'starting long step',
				BUILD_ORPHAN_SHARE: JSON.stringify(shared()),
			},
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		const [line] = (await new Promise(resolve => starter.stdout.once('data', chunk => resolve([chunk])))) as [Buffer];
		const packer = JSON.parse(line.toString()) as {pid: number; startedAt: string};
		starter.kill('SIGKILL');
		expect(isRunning(packer)).toBe(true);
		await expect.poll(() => bucketRecord('shared')?.state, {timeout: 30_000, interval: 100}).toBe('ended');
		const record = bucketRecord('shared')!;
		expect(record).toMatchObject({exitCode: 0, host: os.hostname()});
		expect(Date.parse(record.heartbeat!)).toBeGreaterThanOrEqual(startedAt);
		expect(readdirSync(join(bucketDir, 'runs')).sort()).toEqual(['shared.packer.log', 'shared.packer.out', 'shared.packer.record']);
		expect(readFileSync(join(bucketDir, 'runs', 'shared.packer.log'), 'utf8')).toMatch(/Build 'null' finished after/);
		for (const name of readdirSync(join(bucketDir, 'runs'))) {
			const text = readFileSync(join(bucketDir, 'runs', name), 'utf8');
			expect(
				NEEDLES.filter(needle => text.includes(needle)),
				name,
			).toEqual([]);
		}
		expect(
			standIn.calls.filter(call => call.method === 'PUT').every(call => call.headers['x-amz-server-side-encryption'] === 'AES256'),
		).toBe(true);
	}, 40_000);

	it('tells a keeper on another machine that still renews its heartbeat from one gone silent, and ignores this machine’s and ended ones', () => {
		const now = Date.parse('2026-12-07T05:00:00Z');
		const base: KeeperRecord = {keeper: {pid: 7, startedAt: ''}, state: 'running', amiIds: {}, cancelled: false, errors: []};
		const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();
		expect(keeperElsewhere({...base, host: 'machine-a', heartbeat: at(5)}, now)).toBe('running');
		expect(keeperElsewhere({...base, host: 'machine-a', heartbeat: at(600)}, now)).toBe('gone');
		expect(keeperElsewhere({...base, host: 'machine-a'}, now)).toBe('gone');
		expect(keeperElsewhere({...base, host: os.hostname(), heartbeat: at(5)}, now)).toBeUndefined();
		expect(keeperElsewhere({...base, host: 'machine-a', heartbeat: at(5), state: 'ended'}, now)).toBeUndefined();
	});
});
