import {chmod, writeFile} from 'node:fs/promises';
import {rehearsalToolScript} from '../../source/rehearsal/tool-script';
import {CLI} from './pty';

/** An executable shell script at `file`. */
export async function script(file: string, body: string): Promise<string> {
	await writeFile(file, `#!/bin/sh\n${body}\n`);
	await chmod(file, 0o755);
	return file;
}

/** `BIN_DIR/packer` or `BIN_DIR/convox` as the rehearsal plays them (the built CLI's `__rehearsal TOOL`). */
export const rehearsalTool = (binDir: string, tool: 'packer' | 'convox'): Promise<string> => rehearsalToolScript(binDir, tool, CLI);
