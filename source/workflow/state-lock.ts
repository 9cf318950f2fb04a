import {mkdir, open, readFile, unlink} from 'node:fs/promises';
import {unlinkSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {UsageError, errorText} from '../core/errors';
import {processIsAlive} from '../core/process-alive';

interface LockOwner {
	pid: number;
	host: string;
	startedAt: string;
	command: string;
}

export interface StateLock {
	/** Set when a lock left by a process that no longer exists was taken over. */
	takenOver?: LockOwner;
	release(): void;
}

/** What the operator is told when `lock` was taken over from a process that no longer runs; undefined otherwise. */
export function takeOverNotice(stateDir: string, {takenOver}: StateLock): string | undefined {
	return takenOver && `Took over the lock of ${stateDir} left by pid ${takenOver.pid} (${takenOver.command}), which is no longer running.`;
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
	try {
		return JSON.parse(await readFile(file, 'utf8')) as LockOwner;
	} catch {
		return undefined;
	}
}

async function tryCreate(file: string, owner: LockOwner): Promise<boolean> {
	try {
		const handle = await open(file, 'wx');
		await handle.writeFile(JSON.stringify(owner));
		await handle.sync();
		await handle.close();
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
		throw error;
	}
}

/**
 * One process drives a state dir at a time. The lock file names its owner; a lock whose owner no
 * longer runs on this host (killed, crashed) is taken over.
 */
export async function acquireStateLock(stateDir: string, command: string): Promise<StateLock> {
	try {
		await mkdir(stateDir, {recursive: true});
	} catch (error) {
		throw new UsageError(
			`The state dir ${stateDir} cannot be created: ${errorText(error)}`,
			'Pass --state-dir DIR with a folder you can write.',
		);
	}
	const file = path.join(stateDir, 'lock');
	const owner: LockOwner = {pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command};
	let takenOver: LockOwner | undefined;
	for (let attempt = 0; attempt < 3; attempt++) {
		let created: boolean;
		try {
			created = await tryCreate(file, owner);
		} catch (error) {
			throw new UsageError(
				`Cannot lock the state dir ${stateDir}: ${errorText(error)}`,
				'Pass --state-dir DIR with a folder you can write.',
			);
		}
		if (created) {
			return {
				...(takenOver ? {takenOver} : {}),
				release() {
					try {
						unlinkSync(file);
					} catch {
						// Already gone: nothing to release.
					}
				},
			};
		}
		const current = await readOwner(file);
		if (current && current.host === owner.host && processIsAlive(current.pid)) {
			throw new UsageError(
				`Another convox-ami (pid ${current.pid}, \`${current.command}\`, since ${current.startedAt}) is driving ${stateDir}.`,
				'Wait for it to finish, or use another --state-dir.',
			);
		}
		if (current && current.host !== owner.host) {
			throw new UsageError(
				`The state dir ${stateDir} is locked by pid ${current.pid} on host ${current.host}.`,
				`If that process is gone, remove ${file} and try again.`,
			);
		}
		takenOver = current ?? {pid: 0, host: owner.host, startedAt: 'unknown', command: 'unknown'};
		await unlink(file).catch(() => undefined);
	}
	throw new UsageError(`Could not take the lock ${file}: another process keeps taking it.`, 'Use another --state-dir.');
}
