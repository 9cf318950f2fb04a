// What the Ink screen costs while a run waits: the same paced rehearsal release (dev, --yes,
// --rehearse, a fresh folder with its config and state dir each time) on a pseudo-terminal
// (the Ink screen) and piped (plain lines), each under GNU time (`/usr/bin/time`, Debian's
// `time` package), which reports user + sys CPU seconds of the process and every child it waited
// for (Packer), and the peak RSS of the largest of them (the CLI's node process).
//
//   node scripts/bench-screen.mjs            # the rounds and the ratios against the budgets
//   BENCH_SCREEN_ROUNDS=3 node scripts/bench-screen.mjs
//
// From another script: const {benchScreen} = await import('./bench-screen.mjs');
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import pty from '@lydell/node-pty';
import {overBudget, verdict} from './bench-budget.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TIME = '/usr/bin/time';
const SCREEN_BUDGETS = {cpu: 1.2, rss: 1.2};

/** About 50 s, most of it waiting: a 20 s build, then a stack update of about 25 s. */
const PACING = {CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '20', CONVOX_AMI_REHEARSAL_TICK_MS: '500'};

function freshFolder() {
	const folder = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-bench-screen-'));
	writeFileSync(
		path.join(folder, 'convox-ami.config.json'),
		JSON.stringify({accounts: {dev: {accountId: '111111111111', stackName: 'convox-dev'}}}),
	);
	return folder;
}

function releaseCommand(folder) {
	const figures = path.join(folder, 'time.txt');
	const args = [
		'-f',
		'%U %S %M %e',
		'-o',
		figures,
		process.execPath,
		CLI,
		'release',
		'--env',
		'dev',
		'--rehearse',
		'--yes',
		'--confirm',
		'sumologic',
		'--state-dir',
		path.join(folder, 'state'),
	];
	const env = {PATH: process.env.PATH, HOME: folder, LANG: 'C.UTF-8', TERM: 'xterm-256color', CI: 'false', ...PACING};
	return {args, env, figures};
}

function readFigures(file, exitCode, output) {
	if (exitCode !== 0) throw new Error(`the rehearsal exited ${exitCode}:\n${output.slice(-2000)}`);
	const [user, system, maxRssKb, wall] = readFileSync(file, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
	return {cpuSeconds: user + system, peakRssMb: maxRssKb / 1024, wallSeconds: wall};
}

function onTerminal({cols = 100, rows = 40} = {}) {
	const folder = freshFolder();
	const {args, env, figures} = releaseCommand(folder);
	return new Promise((resolve, reject) => {
		const child = pty.spawn(TIME, args, {name: 'xterm-256color', cols, rows, cwd: folder, env});
		let output = '';
		child.onData(data => {
			output = (output + data).slice(-20_000);
		});
		child.onExit(({exitCode}) => {
			try {
				resolve(readFigures(figures, exitCode, output));
			} catch (error) {
				reject(error);
			}
		});
	});
}

function piped() {
	const folder = freshFolder();
	const {args, env, figures} = releaseCommand(folder);
	return new Promise((resolve, reject) => {
		const child = spawn(TIME, args, {cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe']});
		let output = '';
		const keep = data => {
			output = (output + data).slice(-20_000);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		child.on('close', code => {
			try {
				resolve(readFigures(figures, code, output));
			} catch (error) {
				reject(error);
			}
		});
	});
}

const ROUNDS = Number(process.env.BENCH_SCREEN_ROUNDS ?? 2);

const sum = (results, key) => results.reduce((total, result) => total + result[key], 0);

/**
 * `ROUNDS` rounds, each running the terminal and the piped release side by side, so that both see the
 * same load of the machine; the ratios are of the rounds' sums.
 */
/** Why the screen cannot be measured on this machine, if it cannot. */
export function screenBenchMissing() {
	return existsSync(TIME) ? undefined : `${TIME} is missing: install GNU time (apt-get install time).`;
}

export async function benchScreen() {
	const missing = screenBenchMissing();
	if (missing) throw new Error(missing);
	const rounds = [];
	for (let index = 0; index < ROUNDS; index++) {
		const [terminal, plain] = await Promise.all([onTerminal(), piped()]);
		rounds.push({terminal, plain});
	}
	const terminal = rounds.map(round => round.terminal);
	const plain = rounds.map(round => round.plain);
	return {
		rounds,
		cpuRatio: sum(terminal, 'cpuSeconds') / sum(plain, 'cpuSeconds'),
		rssRatio: Math.max(...terminal.map(result => result.peakRssMb)) / Math.max(...plain.map(result => result.peakRssMb)),
	};
}

export function printScreenBench({rounds, cpuRatio, rssRatio}) {
	const wall = Math.round(
		sum(
			rounds.map(round => round.plain),
			'wallSeconds',
		) / rounds.length,
	);
	console.log(
		`\nScreen cost: a paced rehearsal release (dev, --yes, about ${wall} s), on a 100×40 terminal (Ink) and piped (plain), side by side, ${rounds.length} round(s)`,
	);
	console.log('  round  Ink CPU s  plain CPU s  Ink peak RSS MB  plain peak RSS MB');
	rounds.forEach(({terminal, plain}, index) => {
		console.log(
			`  ${String(index + 1).padStart(5)}  ${terminal.cpuSeconds.toFixed(2).padStart(9)}  ${plain.cpuSeconds.toFixed(2).padStart(11)}  ${terminal.peakRssMb.toFixed(0).padStart(15)}  ${plain.peakRssMb.toFixed(0).padStart(17)}`,
		);
	});
	verdict('CPU, Ink screen / plain output', cpuRatio, SCREEN_BUDGETS.cpu);
	verdict('peak RSS, Ink screen / plain output', rssRatio, SCREEN_BUDGETS.rss);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	printScreenBench(await benchScreen());
	process.exitCode = overBudget() > 0 ? 1 : 0;
}
