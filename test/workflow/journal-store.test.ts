import {spawn} from 'node:child_process';
import {mkdtemp, readdir, readFile, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {JournalStore, runFiles} from '../../source/workflow/journal-store';
import {newReleaseRun} from '../support/runs';

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'convox-ami-journal-'));

describe('journal store', () => {
	it('saves, loads and lists runs newest first with a schema version inside', async () => {
		const store = new JournalStore(await tempDir());
		await store.ensureWritable();
		store.save({...newReleaseRun('a'), createdAt: '2026-01-01T00:00:00.000Z'});
		store.save({...newReleaseRun('b'), createdAt: '2026-02-01T00:00:00.000Z'});
		expect((await store.load('a')).schemaVersion).toBe(1);
		const {entries: runs} = await store.list();
		expect(runs.map(run => run.id)).toEqual(['b', 'a']);
	});

	it('loads a journal of an earlier version with its checks under their new ids (librato → metrics, sumologic → logs)', async () => {
		const dir = await tempDir();
		const store = new JournalStore(dir);
		await store.ensureWritable();
		const check = (id: string, status: 'pass' | 'waiting') => ({
			id,
			title: id,
			kind: 'auto',
			status,
			detail: '',
			required: true,
			attempts: 1,
			notes: [],
		});
		const old = {...newReleaseRun('old'), checks: [check('rack', 'pass'), check('librato', 'pass'), check('sumologic', 'waiting')]};
		await writeFile(runFiles(dir, 'old').journal, JSON.stringify(old));
		const loaded = await store.load('old');
		expect(loaded.checks.map(record => [record.id, record.status])).toEqual([
			['rack', 'pass'],
			['metrics', 'pass'],
			['logs', 'waiting'],
		]);
	});

	it('records an event in another run through the reducer: its history grows, nothing else changes', async () => {
		const store = new JournalStore(await tempDir());
		await store.ensureWritable();
		const release = newReleaseRun('release-1');
		store.save(release);
		const after = await store.record('release-1', {type: 'history', message: 'Rollback run rollback-1 started.'});
		const loaded = await store.load('release-1');
		expect(loaded).toEqual(after);
		expect(loaded.history.map(entry => entry.message)).toEqual(['Rollback run rollback-1 started.']);
		expect({...loaded, history: [], updatedAt: release.updatedAt}).toEqual(release);
		await expect(store.record('no-such-run', {type: 'history', message: 'x'})).rejects.toMatchObject({
			exitCode: 2,
			message: expect.stringContaining('No run no-such-run'),
		});
	});

	it('refuses a corrupt journal with a clear error and leaves it as it is', async () => {
		const dir = await tempDir();
		const store = new JournalStore(dir);
		await store.ensureWritable();
		const file = runFiles(dir, 'broken').journal;
		await writeFile(file, '{"schemaVersion": 1, "id": "bro');
		await expect(store.load('broken')).rejects.toMatchObject({exitCode: 2, message: expect.stringMatching(/corrupt.*left as it is/)});
		expect(await readFile(file, 'utf8')).toBe('{"schemaVersion": 1, "id": "bro');
		const {entries: runs, unreadable} = await store.list();
		expect(runs).toEqual([]);
		expect(unreadable[0]?.file).toBe(file);
	});

	it('refuses a journal of another schema version', async () => {
		const dir = await tempDir();
		const store = new JournalStore(dir);
		await store.ensureWritable();
		await writeFile(runFiles(dir, 'old').journal, JSON.stringify({...newReleaseRun('old'), schemaVersion: 0}));
		await expect(store.load('old')).rejects.toThrow(/schema version 0/);
	});

	it('names a state dir that cannot be used', async () => {
		const store = new JournalStore('/dev/null/state');
		await expect(store.ensureWritable()).rejects.toMatchObject({exitCode: 2, message: expect.stringContaining('/dev/null/state')});
	});

	it('always loads after the writer is killed with SIGKILL at any instant', async () => {
		for (let round = 0; round < 8; round++) {
			const dir = await tempDir();
			const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/journal-writer.ts', dir], {
				stdio: ['ignore', 'pipe', 'inherit'],
			});
			await new Promise<void>((resolve, reject) => {
				child.stdout.once('data', () => resolve());
				child.once('exit', code => reject(new Error(`the writer exited with ${code} before it was killed`)));
			});
			await new Promise(resolve => setTimeout(resolve, 20 + round * 37));
			child.kill('SIGKILL');
			await new Promise(resolve => child.on('exit', resolve));
			const run = await new JournalStore(dir).load('crash');
			expect(run.id).toBe('crash');
			expect(run.steps).toHaveLength(6);
			const leftovers = (await readdir(path.join(dir, 'runs'))).filter(name => name !== 'crash.json');
			expect(leftovers.every(name => name.startsWith('crash.json.'))).toBe(true);
		}
	});
});
