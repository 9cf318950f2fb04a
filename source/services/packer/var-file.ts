import {spawnSync} from 'node:child_process';
import {chmodSync, closeSync, constants, mkdirSync, openSync, rmSync, writeSync} from 'node:fs';
import path from 'node:path';

const POLL_MS = 20;

export interface ServedVarFile {
	/** Where Packer reads it: a named pipe, never a file with the values in it. */
	path: string;
	/** True once Packer has opened it and the values were written into the pipe; false when stopped first. */
	served: Promise<boolean>;
	/** Stops waiting for a reader and removes the pipe. */
	stop(): void;
}

/** The var-file goes just before the template, after the `-var`s: its values win over theirs. */
export function withVarFile(args: string[], varFileArg: string | undefined): string[] {
	return varFileArg ? [...args.slice(0, -1), varFileArg, ...args.slice(-1)] : args;
}

/** Removes a var-file folder left by a process that died (it holds at most an empty named pipe). */
export function removeVarFileFolder(dir: string): void {
	rmSync(dir, {recursive: true, force: true});
}

/**
 * A `-var-file` for Packer (JSON, accepted by 1.6.6 also for variables the template does not
 * declare; an HCL2 template only warns about those) that never touches the disk. Its name ends in
 * `.json` because for an HCL2 template Packer picks the var file's parser by its extension (and
 * refuses a name without `.json` or `.hcl`): a named pipe in a 0700 folder. Packer 1.6.6 opens it
 * once, in its panicwrap child; the values are written into the pipe when it does, then the pipe
 * is removed. A SIGKILL at any moment leaves at most an empty pipe behind.
 */
export function serveVarFile(dir: string, values: Record<string, string>): ServedVarFile {
	removeVarFileFolder(dir);
	mkdirSync(dir, {recursive: true, mode: 0o700});
	chmodSync(dir, 0o700);
	const pipePath = path.join(dir, 'variables.json');
	const made = spawnSync('mkfifo', ['-m', '600', pipePath], {encoding: 'utf8'});
	if (made.status !== 0) throw new Error(`Could not make the named pipe ${pipePath}: ${made.error?.message ?? made.stderr.trim()}`);
	const payload = Buffer.from(`${JSON.stringify(values)}\n`);
	let timer: NodeJS.Timeout | undefined;
	let settle: (served: boolean) => void = () => {};
	const served = new Promise<boolean>(resolve => (settle = resolve));
	const finish = (wasServed: boolean) => {
		clearTimeout(timer);
		removeVarFileFolder(dir);
		settle(wasServed);
	};
	const poll = () => {
		let fd: number;
		try {
			// Non-blocking: fails with ENXIO until Packer has opened the pipe for reading.
			fd = openSync(pipePath, constants.O_WRONLY | constants.O_NONBLOCK);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENXIO') return finish(false);
			timer = setTimeout(poll, POLL_MS);
			return;
		}
		try {
			let written = 0;
			while (written < payload.length) written += writeSync(fd, payload, written);
		} finally {
			closeSync(fd);
		}
		finish(true);
	};
	poll();
	return {path: pipePath, served, stop: () => finish(false)};
}
