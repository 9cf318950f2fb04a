import {mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {build, type Plugin} from 'esbuild';

/** A file of node_modules/ (e.g. `ink/build/output.js`). */
export function nodeModule(file: string): string {
	return path.join(new URL('../..', import.meta.url).pathname, 'node_modules', file);
}

/** The default export of `entry` bundled as the build bundles it, with `plugins`: the build's patches of a package, under test. */
export async function bundledDefault<T>(entry: string, plugins: Plugin[]): Promise<T> {
	const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'convox-ami-bundled-')), 'module.mjs');
	await build({entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile, plugins, logLevel: 'silent'});
	return ((await import(pathToFileURL(outfile).href)) as {default: T}).default;
}
