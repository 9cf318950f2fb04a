import {closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {open, rename, rm} from 'node:fs/promises';

// Temp file, every byte written, fsync, rename. write-file-atomic writes once and takes a short
// write (a nearly full disk, ulimit -f) for the whole file, renaming a truncated file over a good
// one; Node's own writeFile loops until every byte is written or fails.

const temporaryOf = (file: string) => `${file}.${process.pid}.${Date.now()}.tmp`;

/** Replaces `file` atomically; synchronous, so that when it returns the content is on disk. */
export function replaceFileSync(file: string, text: string, mode = 0o644): void {
	const temporary = temporaryOf(file);
	let fd: number | undefined;
	try {
		fd = openSync(temporary, 'w', mode);
		writeFileSync(fd, text);
		fsyncSync(fd);
		closeSync(fd);
		fd = undefined;
		renameSync(temporary, file);
	} catch (error) {
		if (fd !== undefined) closeSync(fd);
		rmSync(temporary, {force: true});
		throw error;
	}
}

export async function replaceFile(file: string, text: string, mode = 0o644): Promise<void> {
	const temporary = temporaryOf(file);
	const handle = await open(temporary, 'w', mode);
	try {
		await handle.writeFile(text);
		await handle.sync();
		await handle.close();
		await rename(temporary, file);
	} catch (error) {
		await handle.close().catch(() => undefined);
		await rm(temporary, {force: true});
		throw error;
	}
}
