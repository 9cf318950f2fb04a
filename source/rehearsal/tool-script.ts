import {chmod, writeFile} from 'node:fs/promises';
import path from 'node:path';

/** `BIN_DIR/packer` or `BIN_DIR/convox`: a shell script that runs that rehearsal tool through the CLI at `cli` (`__rehearsal TOOL`). */
export async function rehearsalToolScript(binDir: string, tool: 'packer' | 'convox', cli: string): Promise<string> {
	const file = path.join(binDir, tool);
	await writeFile(file, `#!/bin/sh\nexec '${process.execPath}' '${cli}' __rehearsal ${tool} "$@"\n`);
	await chmod(file, 0o755);
	return file;
}
