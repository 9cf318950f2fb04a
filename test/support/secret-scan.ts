import {readdir, readFile} from 'node:fs/promises';
import path from 'node:path';

/** `dir: needle` for every regular file under `dir` (those under `except` left out) that holds one of the needles. */
export async function secretsInFiles(dir: string, needles: string[], except: string): Promise<string[]> {
	const entries = await readdir(dir, {recursive: true, withFileTypes: true});
	const files = entries.filter(entry => entry.isFile() && !path.join(entry.parentPath, entry.name).startsWith(except));
	const hits: string[] = [];
	for (const entry of files) {
		const file = path.join(entry.parentPath, entry.name);
		const text = await readFile(file, 'utf8').catch(() => '');
		hits.push(...needles.filter(needle => text.includes(needle)).map(needle => `${path.relative(dir, file)}: ${needle}`));
	}
	return hits;
}

export async function secretsInCmdline(pid: number, needles: string[]): Promise<string[]> {
	const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
	return needles.filter(needle => cmdline.includes(needle));
}
