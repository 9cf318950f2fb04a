// npm run bench: start-up figures of the built CLI as ratios to `node -e 0`, pair by pair in one run,
// then the Packer stream through parser, scrubber and the build pane's reducer, then what the
// Ink screen costs against plain output over the same paced rehearsal release (scripts/bench-screen.mjs),
// and a fleet (scripts/bench-fleet.mjs). Exits 1 when a figure is over its budget; `--startup` stops
// after the start-up figures.
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import pty from '@lydell/node-pty';
import {overBudget, verdict} from './bench-budget.mjs';
import {benchScreen, printScreenBench, screenBenchMissing} from './bench-screen.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'dist', 'cli.js');
const runs = Number(process.env.BENCH_RUNS ?? 15);

const median = values => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
};

/** Milliseconds from spawning `node ARGS` to its exit, output ignored. */
function timeCommand(args) {
	const start = process.hrtime.bigint();
	const result = spawnSync(process.execPath, args, {stdio: 'ignore'});
	if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
	return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Milliseconds from spawning `node ARGS` on a 100×30 pseudo-terminal to `marker` on it. */
function timeToScreen(args, cwd, marker) {
	return new Promise((resolve, reject) => {
		const start = process.hrtime.bigint();
		const env = {...process.env, TERM: 'xterm-256color'};
		delete env.CI;
		const child = pty.spawn(process.execPath, args, {cols: 100, rows: 30, cwd, env});
		let seen = '';
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`no ${marker} in 10 s: ${seen}`));
		}, 10_000);
		child.onData(data => {
			seen += data;
			if (seen.includes(marker)) {
				clearTimeout(timer);
				const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
				child.kill('SIGKILL');
				resolve(elapsed);
			}
		});
	});
}

execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {cwd: root, stdio: 'inherit'});
const folder = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-bench-'));
writeFileSync(
	path.join(folder, 'convox-ami.config.json'),
	JSON.stringify({
		accounts: {
			dev: {accountId: '111111111111', stackName: 'convox-dev'},
			prod: {accountId: '222222222222', stackName: 'convox-prod', production: true},
		},
	}),
);

// Each figure is timed right after its yardstick, `node -e 0` started the same way (piped, or on a
// terminal until it writes), and the ratio of each pair is kept: the pairs see the same load.
const NODE_ON_SCREEN = ['-e', "process.stdout.write('node is up')"];
const pairs = {help: [], version: [], frame: [], prompt: [], ready: []};
const times = {node: [], help: [], version: [], nodeOnScreen: [], frame: [], prompt: [], ready: []};
for (let index = 0; index < runs; index++) {
	for (const [name, args] of [
		['help', [cli, '--help']],
		['version', [cli, '--version']],
	]) {
		const node = timeCommand(['-e', '0']);
		const figure = timeCommand(args);
		times.node.push(node);
		times[name].push(figure);
		pairs[name].push(figure / node);
	}
}
for (let index = 0; index < Math.min(runs, 9); index++) {
	for (const [name, marker] of [
		['frame', 'convox-ami'],
		['prompt', 'Which account?'],
		// The first frame shows the question; Ink's prompt takes keys 150 ms after it draws it (its key hint).
		['ready', 'Enter answer'],
	]) {
		const node = await timeToScreen(NODE_ON_SCREEN, folder, 'node is up');
		const figure = await timeToScreen([cli], folder, marker);
		times.nodeOnScreen.push(node);
		times[name].push(figure);
		pairs[name].push(figure / node);
	}
}

console.log(
	`\nStart-up (median of ${runs} pairs, 9 on a terminal; ${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)})`,
);
for (const [name, key] of [
	['node -e 0', 'node'],
	['convox-ami --help', 'help'],
	['convox-ami --version', 'version'],
	['node -e 0 on a terminal, until it writes', 'nodeOnScreen'],
	['first frame (the header)', 'frame'],
	['account prompt shown', 'prompt'],
	['account prompt takes keys', 'ready'],
]) {
	console.log(`  ${name.padEnd(52)} ${median(times[key]).toFixed(0).padStart(7)} ms`);
}
verdict('--help / node -e 0', median(pairs.help), 1.15);
verdict('--version / node -e 0', median(pairs.version), 1.15);
verdict('first frame / node -e 0 (on a terminal)', median(pairs.frame), 1.6);
verdict('account prompt / node -e 0 (on a terminal)', median(pairs.prompt), 2.2);
console.log(`  ${'account prompt takes keys / node -e 0'.padEnd(52)} ${`${median(pairs.ready).toFixed(2)}x`.padStart(10)}  no budget`);

/** Instructions `node ARGS` executes, all threads, counted by valgrind's callgrind: the same on a loaded machine. */
function instructions(args) {
	const result = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...args], {
		encoding: 'utf8',
	});
	const count = /Collected : (\d+)/.exec(result.stderr ?? '')?.[1];
	if (result.status !== 0 || !count) throw new Error(`valgrind ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
	return Number(count);
}

if (spawnSync('valgrind', ['--version']).status === 0) {
	const node = instructions(['-e', '0']);
	verdict('--help / node -e 0, instructions (callgrind)', instructions([cli, '--help']) / node, 1.15);
	verdict('--version / node -e 0, instructions (callgrind)', instructions([cli, '--version']) / node, 1.15);
} else console.log('  instruction counts: not measured (valgrind is missing: apt-get install valgrind)');
if (process.argv.includes('--startup')) process.exit(overBudget() > 0 ? 1 : 0);

const packerBench = path.join(root, 'scripts', 'bench-packer.mjs');
const packer = spawnSync(process.execPath, ['--import', 'tsx', packerBench], {cwd: root, stdio: 'inherit'});
const missing = screenBenchMissing();
if (missing) console.log(`\nScreen cost: not measured: ${missing}`);
else printScreenBench(await benchScreen());
// The fleet figures are timed with GNU time too.
const fleet = missing
	? {status: 0}
	: spawnSync(process.execPath, [path.join(root, 'scripts', 'bench-fleet.mjs')], {cwd: root, stdio: 'inherit'});
if (missing) console.log(`\nFleet figures: not measured: ${missing}`);
process.exitCode = packer.status || fleet.status || (overBudget() > 0 ? 1 : 0);
