// What the Ink screen costs while a run waits: the same paced rehearsal release (dev, --yes,
// --rehearse, a fresh folder with its config and state dir each time) once on a pseudo-terminal
// (the Ink screen) and once piped (plain lines), each under GNU time (`/usr/bin/time`, Debian's
// `time` package), which reports user + sys CPU seconds of the process and every child it waited
// for (Packer), and the peak RSS of the largest of them (the CLI's node process).
//
//   node scripts/bench-screen.mjs            # both runs and the ratios against the budgets
//
// From another script: const {benchScreen} = await import('./bench-screen.mjs');
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import pty from '@lydell/node-pty';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TIME = '/usr/bin/time';
export const SCREEN_BUDGETS = {cpu: 1.5, rss: 1.2};

/** About 50 s, most of it waiting: a 20 s build, then a stack update of about 25 s. */
const PACING = {CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '20', CONVOX_AMI_REHEARSAL_TICK_MS: '500'};

function freshFolder() {
	const folder = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-bench-screen-'));
	writeFileSync(path.join(folder, 'convox-ami.config.json'), JSON.stringify({accounts: {dev: {accountId: '111111111111', stackName: 'convox-dev'}}}));
	return folder;
}

function releaseCommand(folder) {
	const figures = path.join(folder, 'time.txt');
	const args = ['-f', '%U %S %M %e', '-o', figures, process.execPath, CLI, 'release', '--env', 'dev', '--rehearse', '--yes', '--confirm', 'sumologic', '--state-dir', path.join(folder, 'state')];
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

/** The terminal run, then the piped one, one after the other so that neither slows the other. */
export async function benchScreen() {
	if (!existsSync(TIME)) throw new Error(`${TIME} is missing: install GNU time (apt-get install time).`);
	const terminal = await onTerminal();
	const plain = await piped();
	return {terminal, plain, cpuRatio: terminal.cpuSeconds / plain.cpuSeconds, rssRatio: terminal.peakRssMb / plain.peakRssMb};
}

export function printScreenBench({terminal, plain, cpuRatio, rssRatio}) {
	console.log(`\nScreen cost: a paced rehearsal release (dev, --yes), ${terminal.wallSeconds.toFixed(0)} s on a 100×40 terminal, ${plain.wallSeconds.toFixed(0)} s piped`);
	console.log('  output          CPU s   peak RSS MB');
	for (const [name, result] of [
		['Ink (terminal)', terminal],
		['plain (pipe)', plain],
	]) {
		console.log(`  ${name.padEnd(15)} ${result.cpuSeconds.toFixed(2).padStart(5)}   ${result.peakRssMb.toFixed(0).padStart(11)}`);
	}
	console.log(`  CPU Ink / plain      ${cpuRatio.toFixed(2)}x (budget ${SCREEN_BUDGETS.cpu}x): ${cpuRatio <= SCREEN_BUDGETS.cpu ? 'within' : 'OVER'}`);
	console.log(`  peak RSS Ink / plain ${rssRatio.toFixed(2)}x (budget ${SCREEN_BUDGETS.rss}x): ${rssRatio <= SCREEN_BUDGETS.rss ? 'within' : 'OVER'}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) printScreenBench(await benchScreen());
