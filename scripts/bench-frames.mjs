// What the built Ink screen costs per frame, without a release around it: on a 100×40
// pseudo-terminal it mounts the screen (dist/, `npm run build` first), puts a run through its first
// steps into the build step, then draws 60 frames (a store flush each, a Packer line every third),
// and prints the CPU (process.cpuUsage, all threads) of each phase: loading Ink, mounting, the step
// changes, and each 20 frames.
//
//   node scripts/bench-frames.mjs
import {readdirSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import pty from '@lydell/node-pty';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHUNKS = path.join(ROOT, 'dist', 'chunks');
const FRAME_WAIT_MS = 105;
const STEPS = ['account', 'resolve-version', 'template', 'build', 'update-stack', 'verify'];

const cpuMs = () => {
	const {user, system} = process.cpuUsage();
	return (user + system) / 1000;
};
const wait = ms => new Promise(resolve => setTimeout(resolve, ms));
const chunk = name =>
	path.join(
		CHUNKS,
		readdirSync(CHUNKS).find(file => file.startsWith(`${name}-`)),
	);

async function drawFrames() {
	const marks = [['start', cpuMs()]];
	const {mountInk} = await import(chunk('mount'));
	const {inkPanes, inkReducers} = await import(chunk('panes'));
	marks.push(['loading Ink', cpuMs()]);
	const screen = mountInk({title: 'release', badges: ['REHEARSAL'], onInterrupt() {}, reducers: inkReducers, panes: inkPanes});
	await wait(150);
	marks.push(['mounting', cpuMs()]);
	let run = {
		id: 'r1',
		kind: 'release',
		env: 'dev',
		options: {region: 'us-east-1'},
		steps: STEPS.map(id => ({id, status: 'pending', attempts: 0, outputs: {}})),
		checks: [],
	};
	screen.store.attach('release · dev · us-east-1 · r1', ['REHEARSAL'], run);
	const send = event => screen.store.onEvent({runId: run.id, at: new Date().toISOString(), ...event}, run);
	const setStep = (index, status) => {
		const now = new Date().toISOString();
		run = {
			...run,
			steps: run.steps.map((step, at) =>
				at === index ? {...step, status, ...(status === 'running' ? {startedAt: now} : {endedAt: now})} : step,
			),
		};
		send({type: 'step', step: STEPS[index], status});
	};
	for (let index = 0; index < 4; index++) {
		setStep(index, 'running');
		await wait(120);
		if (index < 3) {
			setStep(index, 'done');
			await wait(120);
		}
	}
	await wait(300);
	marks.push(['7 step changes', cpuMs()]);
	for (let block = 0; block < 3; block++) {
		for (let frame = 0; frame < 20; frame++) {
			if (frame % 3 === 0) send({type: 'log', step: 'build', line: `amazon-ebs: line ${block * 20 + frame} of the build`});
			screen.store.flush();
			await wait(FRAME_WAIT_MS);
		}
		marks.push([`frames ${block * 20 + 1}-${block * 20 + 20}`, cpuMs()]);
	}
	await screen.unmount();
	const phases = marks.slice(1).map(([name, at], index) => `${name} ${(at - marks[index][1]).toFixed(0)} ms`);
	process.stderr.write(`\nPHASES ${phases.join(' | ')}\n`);
	process.exit(0);
}

if (process.argv[2] === '--child') await drawFrames();
else {
	const child = pty.spawn(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
		name: 'xterm-256color',
		cols: 100,
		rows: 40,
		env: {...process.env, CI: 'false', TERM: 'xterm-256color'},
	});
	let output = '';
	child.onData(data => {
		output = (output + data).slice(-5000);
	});
	child.onExit(({exitCode}) => {
		const phases = output.match(/PHASES (.*)/)?.[1];
		if (exitCode !== 0 || !phases) {
			console.error(`the screen exited ${exitCode}:\n${output.slice(-2000)}`);
			process.exitCode = 1;
			return;
		}
		console.log(`CPU of the built Ink screen (all threads): ${phases.split(' | ').join(', ')}`);
	});
}
