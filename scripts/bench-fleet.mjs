// Fleet figures of the built CLI: wall time and CPU of the rehearsed 20-rack demo fleet against one
// rack's rehearsal, the same fleet on the Ink screen against --json (side by side, so both see the
// same load), and the CloudFormation calls per minute the stand-in answered. Exits 1 when a figure is
// over its budget. CONVOX_AMI_REHEARSAL_TICK_MS=1000 slows the stand-in's updates down (5x), so that
// watching dominates. `--calls` measures only the CloudFormation calls: one rack, the 20-rack and the
// 100-rack demo fleets with --json, one after the other (no Ink screen).
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import pty from '@lydell/node-pty';
import {overBudget, verdict} from './bench-budget.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'dist', 'cli.js');
const FLAGS = ['--rehearse', '--yes', '--json', '--confirm', 'sumologic'];

/** One rehearsal: wall and CPU seconds (GNU time), exit code, and the stand-in's calls. */
function rehearse(args, env = {}) {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-bench-fleet-'));
	const callLog = path.join(dir, 'calls.json');
	const timing = path.join(dir, 'time.txt');
	const child = spawn(
		'/usr/bin/time',
		['-f', '%e %U %S', '-o', timing, process.execPath, cli, ...args, ...FLAGS, '--state-dir', path.join(dir, 'state')],
		{
			cwd: root,
			env: {...process.env, CI: 'true', CONVOX_AMI_REHEARSAL_CALL_LOG: callLog, ...env},
			stdio: ['ignore', 'ignore', 'pipe'],
		},
	);
	let stderr = '';
	child.stderr.on('data', data => (stderr += data));
	return new Promise((resolve, reject) => {
		child.on('close', status => {
			if (status !== 0) return reject(new Error(`${args.join(' ')} exited ${status}: ${stderr}`));
			const [wall, user, system] = readFileSync(timing, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
			const calls = JSON.parse(readFileSync(callLog, 'utf8'));
			rmSync(dir, {recursive: true, force: true});
			resolve({wall, cpu: user + system, calls});
		});
	});
}

/** The most calls of `times` (sorted epoch ms) in any 60 s window. */
function peakPerMinute(times) {
	let peak = 0;
	let start = 0;
	for (let end = 0; end < times.length; end++) {
		while (times[end] - times[start] > 60_000) start++;
		peak = Math.max(peak, end - start + 1);
	}
	return peak;
}

/**
 * CloudFormation calls: per minute on average over the run, the most in any 60 s window (for the
 * fleet, and for its busiest account and region), and how many were stack-status and event reads.
 */
function cloudFormationRate(calls) {
	const cloudformation = calls.filter(call => call.service === 'cloudformation');
	const times = cloudformation.map(call => Date.parse(call.time)).sort((a, b) => a - b);
	if (times.length === 0)
		return {total: 0, perMinute: 0, peak: 0, peakAccountRegion: 0, describeStacks: 0, listings: 0, stackEvents: 0, byTools: 0};
	const minutes = Math.max(1 / 60, (times.at(-1) - times[0]) / 60_000);
	const byAccountRegion = new Map();
	for (const call of cloudformation) {
		const key = `${call.accessKeyId}/${call.region}`;
		byAccountRegion.set(key, [...(byAccountRegion.get(key) ?? []), call]);
	}
	return {
		total: times.length,
		perMinute: times.length / minutes,
		peak: peakPerMinute(times),
		peakAccountRegion: Math.max(
			...[...byAccountRegion.values()].map(group => peakPerMinute(group.map(call => Date.parse(call.time)).sort((a, b) => a - b))),
		),
		describeStacks: cloudformation.filter(call => call.action === 'DescribeStacks').length,
		listings: cloudformation.filter(call => call.action === 'DescribeStacks' && call.stackName === undefined).length,
		stackEvents: cloudformation.filter(call => call.action === 'DescribeStackEvents').length,
		// Calls not made by our SDK clients: the rehearsal's convox stand-in, as the rack's API (`convox rack`).
		byTools: cloudformation.filter(call => !call.userAgent?.startsWith('aws-sdk-js')).length,
	};
}

/** The fleet on the Ink screen in a pseudo-terminal: wall and CPU seconds of the whole CLI. */
function rehearseOnScreen(args) {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-bench-fleet-'));
	const timing = path.join(dir, 'time.txt');
	const env = {...process.env, TERM: 'xterm-256color'};
	delete env.CI;
	return new Promise((resolve, reject) => {
		const child = pty.spawn(
			'/usr/bin/time',
			[
				'-f',
				'%e %U %S',
				'-o',
				timing,
				process.execPath,
				cli,
				...args,
				'--rehearse',
				'--yes',
				'--confirm',
				'sumologic',
				'--state-dir',
				path.join(dir, 'state'),
			],
			{cols: 120, rows: 40, cwd: root, env},
		);
		child.onData(() => undefined);
		child.onExit(({exitCode}) => {
			if (exitCode !== 0) return reject(new Error(`${args.join(' ')} on the screen exited ${exitCode}`));
			const [wall, user, system] = readFileSync(timing, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
			rmSync(dir, {recursive: true, force: true});
			resolve({wall, cpu: user + system});
		});
	});
}

const FLEET = ['release', '--fleet', 'demo'];
const callsOnly = process.argv.includes('--calls');
const one = await rehearse(['release', '--env', 'dev']);
const rows = [['one rack (release --env dev)', 1, one]];
const [json, screen] = await Promise.all([rehearse(FLEET), callsOnly ? undefined : rehearseOnScreen(FLEET)]);
rows.push(['fleet demo, 20 racks', 3, json]);
const hundred = await rehearse(FLEET, {CONVOX_AMI_REHEARSAL_FLEET_RACKS: '100'});
rows.push(['fleet demo, 100 racks', 3, hundred]);

const pacing = process.env.CONVOX_AMI_REHEARSAL_TICK_MS ? `update tick ${process.env.CONVOX_AMI_REHEARSAL_TICK_MS} ms` : 'default pacing';
console.log(`\nFleet rehearsal (${pacing}, ${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)})`);
console.log(
	'  run                            waves   wall s   CPU s   budget s   CFN calls  per min  peak/60s  peak/60s one acct-region  DescribeStacks (listings)  DescribeStackEvents',
);
for (const [name, waves, figures] of rows) {
	const rate = cloudFormationRate(figures.calls);
	const budget = 1.5 * waves * one.wall;
	const timed = name === 'fleet demo, 20 racks';
	const within = timed ? (figures.wall <= budget ? '' : '  OVER') : '';
	console.log(
		`  ${name.padEnd(30)} ${String(waves).padStart(5)}  ${figures.wall.toFixed(1).padStart(7)}  ${figures.cpu.toFixed(1).padStart(6)}  ${timed ? budget.toFixed(1).padStart(9) : '        -'}  ${String(rate.total).padStart(9)}  ${rate.perMinute.toFixed(0).padStart(7)}  ${String(rate.peak).padStart(8)}  ${String(rate.peakAccountRegion).padStart(25)}  ${`${rate.describeStacks} (${rate.listings})`.padStart(25)}  ${String(rate.stackEvents).padStart(19)}${within}`,
	);
}
console.log("  budget: 1.5 x waves x one rack's wall time (20 racks); listings: DescribeStacks without StackName");
console.log(
	`  of them by the convox stand-in (the rack's API, \`convox rack\`, paced with the SDK's calls): ${rows.map(([name, , figures]) => `${name} ${cloudFormationRate(figures.calls).byTools}`).join(', ')}`,
);
if (screen) {
	console.log(
		`  fleet demo, 20 racks, Ink screen in a pty beside it: wall ${screen.wall.toFixed(1)} s, CPU ${screen.cpu.toFixed(1)} s (${((screen.cpu / screen.wall) * 100).toFixed(0)} % of a core)`,
	);
	verdict('fleet screen CPU / --json CPU (20 racks)', screen.cpu / json.cpu, 1.1);
}
const oneRack = cloudFormationRate(one.calls).total;
for (const [racks, figures] of [
	[20, json],
	[100, hundred],
]) {
	const rate = cloudFormationRate(figures.calls);
	verdict(`busiest account-region minute, ${racks} racks`, rate.peakAccountRegion, 60, 'calls');
	verdict(`CloudFormation calls per rack / one rack (${racks} racks)`, rate.total / racks / oneRack, 1);
}
process.exitCode = overBudget() > 0 ? 1 : 0;
