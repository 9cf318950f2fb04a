import {build} from 'esbuild';
import {chmod, copyFile, rm, writeFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {inkBackports} from './ink-backports.mjs';
import {thirdPartyNotices} from './third-party-notices.mjs';

// Dependencies are bundled too: loading Ink and React from one bundle instead of hundreds of
// node_modules files is what keeps the first frame fast. Heavy parts (the AWS SDK, Ink) still
// load lazily from their own chunks.
await rm(new URL('../dist', import.meta.url), {recursive: true, force: true});
const {metafile} = await build({
	entryPoints: ['cli.tsx'],
	outdir: 'dist',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	jsx: 'automatic',
	chunkNames: 'chunks/[name]-[hash]',
	// Bundled CommonJS packages expect require, __filename and __dirname.
	banner: {
		js: [
			'#!/usr/bin/env node',
			"import {createRequire as __cjsRequire} from 'node:module';",
			"import {fileURLToPath as __cjsFileURLToPath} from 'node:url';",
			'const require = __cjsRequire(import.meta.url);',
			'const __filename = __cjsFileURLToPath(import.meta.url);',
			"const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
		].join('\n'),
	},
	// @cdktf/hcl2json's Go runtime requires "performance" only where globalThis has none (Node has it).
	external: ['react-devtools-core', 'performance'],
	mainFields: ['module', 'main'],
	define: {'process.env.NODE_ENV': '"production"'},
	// The licence texts go, in full, to dist/THIRD_PARTY_NOTICES.md instead.
	legalComments: 'none',
	metafile: true,
	plugins: [inkBackports],
	logLevel: 'warning',
});
// @cdktf/hcl2json reads its parser from `${__dirname}/../main.wasm.gz`: its code lands in dist/chunks/.
await copyFile(new URL('../node_modules/@cdktf/hcl2json/main.wasm.gz', import.meta.url), new URL('../dist/main.wasm.gz', import.meta.url));
// esbuild writes files 0644: the bin (npx convox-ami, npm link) runs only once executable.
await chmod(new URL('../dist/cli.js', import.meta.url), 0o755);
await writeFile(
	new URL('../dist/THIRD_PARTY_NOTICES.md', import.meta.url),
	thirdPartyNotices(metafile, fileURLToPath(new URL('..', import.meta.url)), 'convox-ami'),
);
