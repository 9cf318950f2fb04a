import {execFile} from 'node:child_process';
import {build} from 'esbuild';
import {chmod, copyFile, readFile, rm, writeFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {inkBackports} from './ink-backports.mjs';
import {stringWidthFastPath} from './string-width-fast-path.mjs';
import {promisify} from 'node:util';
import {thirdPartyNotices} from './third-party-notices.mjs';

/**
 * yoga-layout (Ink's layout engine) loads its WebAssembly, inlined as base64, with fetch() when
 * there is one: in Node that loads undici, about a third of Ink's start-up. Decoding it in place
 * (emscripten's fallback) is the same bytes without the HTTP client.
 */
const yogaWithoutFetch = {
	name: 'yoga-without-fetch',
	setup(build) {
		build.onLoad({filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, async ({path}) => {
			const source = await readFile(path, 'utf8');
			const patched = source.replaceAll('"function"!=typeof fetch', 'true');
			if (patched === source) throw new Error(`${path}: no fetch() test left to take out; see scripts/build.mjs`);
			return {contents: patched, loader: 'js'};
		});
	},
};

/**
 * Zod's namespaces carry all its translations of error messages (`z.locales`, about half of the
 * bundled zod, parsed at every start that reads the config); the config's messages are English,
 * which zod imports on its own.
 */
const zodWithoutLocales = {
	name: 'zod-without-locales',
	setup(build) {
		build.onResolve({filter: /^\.\.\/locales\/index\.js$/}, ({importer}) =>
			/[\\/]zod[\\/]v4[\\/]/.test(importer) ? {path: 'zod-locales', namespace: 'zod-without-locales'} : undefined,
		);
		build.onLoad({filter: /.*/, namespace: 'zod-without-locales'}, () => ({contents: 'export {};', loader: 'js'}));
	},
};

await rm(new URL('../dist', import.meta.url), {recursive: true, force: true});
// Dependencies are bundled too: loading Ink and React from one bundle instead of hundreds of
// node_modules files is what keeps the first frame fast. Heavy parts (the AWS SDK, Ink) still
// load lazily from their own chunks.
const {metafile} = await build({
	entryPoints: [{in: 'cli.tsx', out: 'program'}],
	outdir: 'dist',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	jsx: 'automatic',
	chunkNames: 'chunks/[name]-[hash]',
	// .mjs: dist/package.json makes dist/cli.js CommonJS (see the bin below), these stay ES modules.
	outExtension: {'.js': '.mjs'},
	// Bundled CommonJS packages expect require, __filename and __dirname.
	banner: {
		js: [
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
	plugins: [inkBackports, stringWidthFastPath, yogaWithoutFetch, zodWithoutLocales],
	// Less source to parse at every start; names stay, for stack traces.
	minifyWhitespace: true,
	minifySyntax: true,
	logLevel: 'warning',
});
// The bin, dist/cli.js, is bin.ts alone: no chunk beside it loads for --help and --version. It is
// CommonJS (dist/package.json says so): Node starts an ES module entry with its ES module loader,
// about 6 % of `node -e 0` more for every --help; the program it imports is the ES module.
await build({
	entryPoints: [{in: 'bin.ts', out: 'cli'}],
	outdir: 'dist',
	bundle: true,
	format: 'cjs',
	platform: 'node',
	target: 'node20',
	banner: {js: "#!/usr/bin/env node\nconst __importMetaUrl = require('node:url').pathToFileURL(__filename).href;"},
	define: {'import.meta.url': '__importMetaUrl'},
	plugins: [{name: 'program', setup: build => build.onResolve({filter: /^\.\/cli$/}, () => ({path: './program.mjs', external: true}))}],
	minifyWhitespace: true,
	logLevel: 'warning',
});
await writeFile(new URL('../dist/package.json', import.meta.url), `${JSON.stringify({type: 'commonjs'})}\n`);
// @cdktf/hcl2json reads its parser from `${__dirname}/../main.wasm.gz`: its code lands in dist/chunks/.
await copyFile(new URL('../node_modules/@cdktf/hcl2json/main.wasm.gz', import.meta.url), new URL('../dist/main.wasm.gz', import.meta.url));
// esbuild writes files 0644: the bin (npx convox-ami, npm link) runs only once executable.
await chmod(new URL('../dist/cli.js', import.meta.url), 0o755);
await writeFile(
	new URL('../dist/THIRD_PARTY_NOTICES.md', import.meta.url),
	thirdPartyNotices(metafile, fileURLToPath(new URL('..', import.meta.url)), 'convox-ami'),
);

/** What cli.tsx (commander) prints for `args`: dist/quick-answers.json is not written yet. */
async function commanderSays(args) {
	const {stdout} = await promisify(execFile)(process.execPath, [fileURLToPath(new URL('../dist/cli.js', import.meta.url)), ...args]);
	return stdout;
}

// The program's help names its commands (the lines of its "Commands:" list): each one's help is kept too.
const programHelp = await commanderSays(['--help']);
const commands = [...programHelp.split(/^Commands:$/m)[1].matchAll(/^ {2}(\w+)\b/gm)]
	.map(match => match[1])
	.filter(name => name !== 'help');
const [version, ...commandHelp] = await Promise.all([
	commanderSays(['--version']),
	...commands.map(command => commanderSays([command, '--help'])),
]);
const quickAnswers = {
	version,
	help: Object.fromEntries([['', programHelp], ...commands.map((command, index) => [command, commandHelp[index]])]),
};
await writeFile(new URL('../dist/quick-answers.json', import.meta.url), JSON.stringify(quickAnswers));
