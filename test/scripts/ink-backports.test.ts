import {mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {build} from 'esbuild';
import {describe, expect, it} from 'vitest';
import {inkBackports} from '../../scripts/ink-backports.mjs';

interface InkOutput {
	write(x: number, y: number, text: string, options: {transformers: Array<(line: string, index: number) => string>}): void;
	clip(clip: {x1?: number; x2?: number; y1?: number; y2?: number}): void;
	unclip(): void;
	get(): {output: string; height: number};
}
type OutputClass = new (options: {width: number; height: number}) => InkOutput;

const inkOutput = path.join(new URL('../..', import.meta.url).pathname, 'node_modules', 'ink', 'build', 'output.js');

/** Ink's Output as the build bundles it, with the backports applied. */
async function backportedOutput(): Promise<OutputClass> {
	const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'convox-ami-ink-output-')), 'output.mjs');
	await build({
		entryPoints: [inkOutput],
		bundle: true,
		format: 'esm',
		platform: 'node',
		outfile,
		plugins: [inkBackports],
		logLevel: 'silent',
	});
	return ((await import(pathToFileURL(outfile).href)) as {default: OutputClass}).default;
}

const red = (text: string) => `\x1b[31m${text}\x1b[39m`;
const bold = (text: string) => `\x1b[1m${text}\x1b[22m`;

/** A waiting screen's frames: the same rows again, a clock that moves, overlapping texts, wide characters, clips. */
function frame(output: InkOutput, second: number): void {
	const none = {transformers: []};
	output.write(0, 0, `${bold('convox-ami')} release · dev`, none);
	output.write(0, 2, `${red('⠋')} Build AMI`, none);
	output.write(18, 2, `${second} s`, none);
	output.write(2, 3, 'line one\nline two 日本語 wide\n' + red('third, coloured'), {
		transformers: [(line, index) => (index === 1 ? bold(line) : line)],
	});
	output.write(4, 3, 'XY', none);
	output.clip({x1: 2, x2: 12, y1: 6, y2: 8});
	output.write(0, 6, `clipped ${second} away on the right\nsecond\nthird row is outside`, none);
	output.unclip();
	output.write(95, 9, 'past the edge', none);
	output.write(-3, 10, 'starts left of the screen', none);
}

describe('ink-backports: Ink output with its row cache', () => {
	it('draws every frame exactly as Ink does, rows that repeat from the cache and rows that changed', async () => {
		const Backported = await backportedOutput();
		const {default: Original} = (await import(pathToFileURL(inkOutput).href)) as {default: OutputClass};
		for (const second of [1, 2, 2, 3, 1]) {
			const drawn = [Original, Backported].map(Output => {
				const output = new Output({width: 100, height: 12});
				frame(output, second);
				return output.get();
			});
			expect(drawn[1]).toEqual(drawn[0]);
			expect(drawn[1]!.output).toContain(`${second} s`);
		}
	});
});
