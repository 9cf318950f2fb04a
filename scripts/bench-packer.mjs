// Packer output throughput: machine-readable lines (the recorded fixtures, repeated) through line
// splitting → scrubbing → parsing → phase tracking → the step's events ("parse"), and the same plus
// the build pane's reducer ("full"). Each measurement runs in a fresh process so that its peak RSS
// is its own. Event times are stamped once per 64 KB chunk, as the runner's clock is not the pane's cost.
//
//   node --import tsx scripts/bench-packer.mjs                      # 10,000 and 200,000 lines, both modes, a table
//   node --import tsx scripts/bench-packer.mjs --lines N --mode full|parse [--json]
//
// From another script, under plain node too (each measurement runs in a child under tsx):
//   const {benchPacker} = await import('./bench-packer.mjs');
//   const {results, paneOverheadPercent, rssGrowthPercent} = await benchPacker({sizes: [10_000, 200_000], repeats: 3});
import {execFile} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {promisify} from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../test/fixtures/packer/', import.meta.url));
const SECRETS = ['SECRETLOG', 'lib,rato-token', 'logspout-token'];
const CHUNK_CHARS = 64 * 1024;

/** One chunk of about 64 KB of whole machine-readable lines, cut from the fixtures. */
function corpusChunk() {
	const lines = readdirSync(FIXTURES)
		.filter(name => name.endsWith('.machine-readable.txt'))
		.sort()
		.flatMap(name =>
			readFileSync(FIXTURES + name, 'utf8')
				.split('\n')
				.filter(Boolean),
		);
	const chunk = [];
	let chars = 0;
	for (let index = 0; chars < CHUNK_CHARS; index++) {
		const line = lines[index % lines.length];
		chunk.push(line);
		chars += line.length + 1;
	}
	return chunk;
}

/** Pushes `lines` lines through the pipeline in this process; `mode` "parse" stops before the pane. */
export async function measurePacker({lines = 200_000, mode = 'full'} = {}) {
	const [{LineSplitter}, {PackerOutput}, {createScrubber}, {reduceBuildView, tailLines}] = await Promise.all([
		import('../source/services/packer/machine-readable'),
		import('../source/services/packer/output'),
		import('../source/services/packer/scrubber'),
		import('../source/ui/build-view'),
	]);
	const chunkLines = corpusChunk();
	const fullChunk = `${chunkLines.join('\n')}\n`;
	let view = reduceBuildView(undefined, {type: 'step', step: 'build', status: 'running', runId: 'bench', at: new Date().toISOString()});
	let at = new Date().toISOString();
	let events = 0;
	// Both modes build the RunEvent the step emits; only "full" feeds it to the pane's reducer.
	const toRunEvent = event =>
		event.type === 'line'
			? {type: 'log', step: 'build', line: event.text, runId: 'bench', at}
			: {type: 'progress', step: 'build', phase: event.phase, activity: event.activity, runId: 'bench', at};
	let last;
	const onEvent =
		mode === 'full'
			? event => {
					events++;
					view = reduceBuildView(view, toRunEvent(event));
				}
			: event => {
					events++;
					last = toRunEvent(event);
				};
	const output = new PackerOutput(createScrubber(SECRETS), onEvent);
	const splitter = new LineSplitter();
	const push = line => output.push(line);
	const cpuBefore = process.cpuUsage();
	const started = performance.now();
	let remaining = lines;
	while (remaining > 0) {
		at = new Date().toISOString();
		if (remaining >= chunkLines.length) {
			splitter.push(fullChunk, push);
			remaining -= chunkLines.length;
		} else {
			splitter.push(`${chunkLines.slice(0, remaining).join('\n')}\n`, push);
			remaining = 0;
		}
	}
	splitter.flush(push);
	const wallMs = performance.now() - started;
	const cpu = process.cpuUsage(cpuBefore);
	const cpuMs = (cpu.user + cpu.system) / 1000;
	return {
		mode,
		lines,
		events,
		tail: mode === 'full' ? tailLines(view).length : last ? 1 : 0,
		wallMs: Math.round(wallMs),
		cpuMs: Math.round(cpuMs),
		linesPerSecond: Math.round(lines / (wallMs / 1000)),
		peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
	};
}

const run = promisify(execFile);

async function measureInChild(lines, mode) {
	const script = fileURLToPath(import.meta.url);
	const {stdout} = await run(process.execPath, ['--import', 'tsx', script, '--lines', String(lines), '--mode', mode, '--json'], {
		cwd: ROOT,
	});
	return JSON.parse(stdout);
}

function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Each size in both modes, `repeats` fresh processes each (median CPU kept), and the two figures
 * docs/benchmarks.md reports: the pane's CPU over parsing alone, and peak RSS of the largest size over the smallest.
 */
export async function benchPacker({sizes = [10_000, 200_000], repeats = 3} = {}) {
	const results = [];
	for (const lines of sizes) {
		for (const mode of ['parse', 'full']) {
			const runs = [];
			for (let index = 0; index < repeats; index++) runs.push(await measureInChild(lines, mode));
			const cpuMs = median(runs.map(result => result.cpuMs));
			results.push({...runs.find(result => result.cpuMs === cpuMs), peakRssMb: Math.max(...runs.map(result => result.peakRssMb))});
		}
	}
	const find = (lines, mode) => results.find(result => result.lines === lines && result.mode === mode);
	const largest = Math.max(...sizes);
	const smallest = Math.min(...sizes);
	const paneOverheadPercent = Math.round(
		(100 * (find(largest, 'full').cpuMs - find(largest, 'parse').cpuMs)) / find(largest, 'parse').cpuMs,
	);
	const rssGrowthPercent = Math.round(
		(100 * (find(largest, 'full').peakRssMb - find(smallest, 'full').peakRssMb)) / find(smallest, 'full').peakRssMb,
	);
	return {results, paneOverheadPercent, rssGrowthPercent};
}

function option(name) {
	const index = process.argv.indexOf(name);
	return index === -1 ? undefined : process.argv[index + 1];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const lines = option('--lines');
	if (lines) {
		const result = await measurePacker({lines: Number(lines), mode: option('--mode') ?? 'full'});
		console.log(process.argv.includes('--json') ? JSON.stringify(result) : result);
	} else {
		const {results, paneOverheadPercent, rssGrowthPercent} = await benchPacker();
		console.log('| lines | pipeline | lines/s | CPU ms | peak RSS MB |');
		console.log('| ---: | --- | ---: | ---: | ---: |');
		for (const result of results) {
			console.log(
				`| ${result.lines.toLocaleString('en')} | ${result.mode === 'full' ? 'parse + scrub + pane' : 'parse + scrub'} | ${result.linesPerSecond.toLocaleString('en')} | ${result.cpuMs} | ${result.peakRssMb} |`,
			);
		}
		console.log(
			`\nPane CPU over parsing alone: ${paneOverheadPercent}% (target ≤ 30%). Peak RSS, largest vs smallest run: ${rssGrowthPercent >= 0 ? '+' : ''}${rssGrowthPercent}% (target within 10%).`,
		);
	}
}
