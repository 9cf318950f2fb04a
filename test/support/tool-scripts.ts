import {chmod, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {CLI} from './pty';

/** An executable shell script at `file`. */
export async function script(file: string, body: string): Promise<string> {
	await writeFile(file, `#!/bin/sh\n${body}\n`);
	await chmod(file, 0o755);
	return file;
}

/** `BIN_DIR/packer` or `BIN_DIR/convox` as the rehearsal plays them (the built CLI's `__rehearsal TOOL`). */
export function rehearsalTool(binDir: string, tool: 'packer' | 'convox'): Promise<string> {
	return script(path.join(binDir, tool), `exec '${process.execPath}' '${CLI}' __rehearsal ${tool} "$@"`);
}
