import {chmod, cp, mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
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

export interface RehearsalTools {
	binDir: string;
	/** A copy of the shipped packer/ folder. */
	templateDir: string;
	packer: string;
	convox: string;
}

/** The rehearsal's Packer replay and convox stand-in in `DIR/bin`, and a copy of the shipped template in `DIR/packer`. */
export async function installRehearsalTools(dir: string): Promise<RehearsalTools> {
	const binDir = path.join(dir, 'bin');
	const templateDir = path.join(dir, 'packer');
	await mkdir(binDir, {recursive: true});
	await cp(path.resolve(path.dirname(CLI), '..', 'packer'), templateDir, {recursive: true});
	const [packer, convox] = await Promise.all([rehearsalTool(binDir, 'packer'), rehearsalTool(binDir, 'convox')]);
	return {binDir, templateDir, packer, convox};
}
