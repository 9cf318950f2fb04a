import {spawn} from 'node:child_process';
import {mkdtemp, readFile, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {acquireStateLock, takeOverNotice} from '../../source/workflow/state-lock';

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'convox-ami-lock-'));

describe('state lock', () => {
	it('refuses a second holder while the first runs, then frees the dir', async () => {
		const dir = await tempDir();
		const first = await acquireStateLock(dir, 'convox-ami release');
		await expect(acquireStateLock(dir, 'convox-ami resume')).rejects.toMatchObject({
			exitCode: 2,
			message: expect.stringContaining(`pid ${process.pid}`),
		});
		first.release();
		const second = await acquireStateLock(dir, 'convox-ami resume');
		expect(second.takenOver).toBeUndefined();
		expect(takeOverNotice(dir, second)).toBeUndefined();
		second.release();
	});

	it('refuses a lock held by another live process', async () => {
		const dir = await tempDir();
		const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
		await writeFile(
			path.join(dir, 'lock'),
			JSON.stringify({pid: child.pid, host: os.hostname(), startedAt: 'now', command: 'convox-ami release'}),
		);
		await expect(acquireStateLock(dir, 'x')).rejects.toThrow(/Another convox-ami/);
		child.kill('SIGKILL');
	});

	it('takes over a lock whose process is gone, and says so', async () => {
		const dir = await tempDir();
		const child = spawn(process.execPath, ['-e', '0']);
		await new Promise(resolve => child.on('exit', resolve));
		await writeFile(
			path.join(dir, 'lock'),
			JSON.stringify({pid: child.pid, host: os.hostname(), startedAt: 'then', command: 'convox-ami release'}),
		);
		const lock = await acquireStateLock(dir, 'convox-ami resume');
		expect(lock.takenOver).toMatchObject({pid: child.pid, command: 'convox-ami release'});
		expect(takeOverNotice(dir, lock)).toBe(
			`Took over the lock of ${dir} left by pid ${child.pid} (convox-ami release), which is no longer running.`,
		);
		expect(JSON.parse(await readFile(path.join(dir, 'lock'), 'utf8'))).toMatchObject({pid: process.pid});
		lock.release();
	});
});
