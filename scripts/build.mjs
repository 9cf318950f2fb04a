import {build} from 'esbuild';
import {rm} from 'node:fs/promises';

await rm(new URL('../dist', import.meta.url), {recursive: true, force: true});
await build({
	entryPoints: ['cli.tsx'],
	outdir: 'dist',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	packages: 'external',
	jsx: 'automatic',
	loader: {'.txt': 'text'},
	chunkNames: 'chunks/[name]-[hash]',
	banner: {js: '#!/usr/bin/env node'},
	logLevel: 'warning',
});
