// npm run bench: start-up figures of the built CLI beside `node -e 0`, measured in the same run,
// then the Packer stream through parser, scrubber and the build pane's reducer, then what the
// Ink screen costs against plain output over the same paced rehearsal release (scripts/bench-screen.mjs).
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import pty from '@lydell/node-pty';
import {benchScreen, printScreenBench, screenBenchMissing} from './bench-screen.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'dist', 'cli.js');
const runs = Number(process.env.BENCH_RUNS ?? 15);

const median = values => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
};

function timeCommand(args) {
	const samples = [];
	for (let index = 0; index < runs; index++) {
		const start = process.hrtime.bigint();
		const result = spawnSync(process.execPath, args, {stdio: 'ignore'});
		if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
		samples.push(Number(process.hrtime.bigint() - start) / 1e6);
	}
	return median(samples);
}

function timeToScreen(cwd, marker) {
	return new Promise((resolve, reject) => {
		const start = process.hrtime.bigint();
		const env = {...process.env, TERM: 'xterm-256color'};
		delete env.CI;
		const child = pty.spawn(process.execPath, [cli], {cols: 100, rows: 30, cwd, env});
		let seen = '';
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`no first frame in 10 s: ${seen}`));
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

const nodeBaseline = timeCommand(['-e', '0']);
const help = timeCommand([cli, '--help']);
const frames = [];
const prompts = [];
for (let index = 0; index < Math.min(runs, 9); index++) {
	frames.push(await timeToScreen(folder, 'convox-ami'));
	prompts.push(await timeToScreen(folder, 'Which account?'));
}
const frame = median(frames);
const prompt = median(prompts);
const nodeAgain = timeCommand(['-e', '0']);
const baseline = Math.min(nodeBaseline, nodeAgain);

const figures = [
	['node -e 0', baseline],
	['convox-ami --help', help],
	['first Ink frame', frame],
	['account prompt shown', prompt],
];
console.log(`\nStart-up (median of ${runs} runs, ${os.cpus().length} cores, Node ${process.version})`);
for (const [name, ms] of figures) console.log(`  ${name.padEnd(22)} ${ms.toFixed(0).padStart(5)} ms`);
console.log(`  --help / node -e 0     ${(help / baseline).toFixed(2)}x (budget 2x)`);
console.log(`  first frame            ${frame <= 400 ? 'within' : 'OVER'} the 400 ms budget`);

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
process.exitCode = packer.status || fleet.status || 0;
