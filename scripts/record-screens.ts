// npm run screens [-- NAME...]: runs the built CLI in a real pseudo-terminal for each scenario below,
// answers it as an operator would, and draws the terminal at chosen moments into docs/screens/NAME.svg.
import {execFile, execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {spawn} from '@lydell/node-pty';
import xterm from '@xterm/headless';
import {rackStackSeed, startAwsStandIn} from '../source/rehearsal/aws-stand-in';
import {startReleasesStandIn} from '../source/rehearsal/releases-stand-in';
import {contentRange, terminalToSvg} from './terminal-svg';

type Text = string | RegExp;

export type ScreenStep =
	/** Wait until the screen shows this. */
	| {wait: Text; timeoutMs?: number}
	/** Type these keys ('\r' is Enter, '\u001b[B' is ↓). */
	| {keys: string}
	/** Wait for the program to end. */
	| {exit: true; timeoutMs?: number}
	/** Answer every prompt that shows up at the bottom of the screen until `until` shows (or the program ends). */
	| {answer: Array<{prompt: Text; keys: string}>; until: Text | 'exit'; timeoutMs?: number}
	/** Draw the screen into docs/screens/NAME.svg; `first`/`last` keep only that many lines of it. */
	| {snapshot: string; first?: number; last?: number};

export interface ScreenScenario {
	/** CLI arguments of the captured run; the command line is shown above its output. */
	args: string[];
	/** Runs of the CLI, without a terminal and to their end, that set the stage (e.g. a run for `runs` to list). */
	before?: string[][];
	/** A text that means this capture cannot be made with this build: the scenario is skipped with a message. */
	skipIf?: Text;
	rows?: number;
	steps: ScreenStep[];
}

const ENTER = '\r';
const confirmations = [
	{prompt: /\by\/n\b/i, keys: 'y'},
	// a choice (the account, a manual check): the first, highlighted option
	{prompt: /❯ /, keys: ENTER},
];

export const scenarios: Record<string, ScreenScenario> = {
	help: {args: ['--help'], steps: [{exit: true}, {snapshot: 'help'}]},
	rehearsal: {
		args: ['--rehearse'],
		skipIf: 'not available yet',
		rows: 50,
		steps: [{answer: confirmations, until: 'exit', timeoutMs: 120_000}, {snapshot: 'rehearsal'}],
	},
	'account-prompt': {args: [], steps: [{wait: 'Which account?'}, {snapshot: 'account-prompt'}]},
	runs: {before: [['--env', 'dev', '--dry-run', '--yes']], args: ['runs'], steps: [{exit: true}, {snapshot: 'runs'}]},
	'dry-run-json': {args: ['--env', 'dev', '--dry-run', '--yes', '--json'], steps: [{exit: true}, {snapshot: 'dry-run-json', first: 16}]},
};

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CLI = path.join(root, 'dist', 'cli.js');
const OUT = path.join(root, 'docs', 'screens');
const COLUMNS = 100;
const DEV_KEY = 'AKIADEVEXAMPLE000001';
const PROD_KEY = 'AKIAPRODEXAMPLE00002';

class Skipped extends Error {}

interface World {
	dir: string;
	env: Record<string, string>;
	close(): Promise<void>;
}

/** A folder with a dev and a production account in its config, their ~/.aws profiles, and loopback stand-ins for AWS and the release files. */
async function createWorld(): Promise<World> {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-screens-'));
	const home = path.join(dir, 'home');
	await mkdir(path.join(home, '.aws'), {recursive: true});
	await writeFile(path.join(home, '.aws', 'config'), '[profile convox-dev]\nregion = us-east-1\n[profile convox-prod]\nregion = us-east-1\n');
	await writeFile(
		path.join(home, '.aws', 'credentials'),
		`[convox-dev]\naws_access_key_id = ${DEV_KEY}\naws_secret_access_key = devsecretdevsecretdevsecret\n[convox-prod]\naws_access_key_id = ${PROD_KEY}\naws_secret_access_key = prodsecretprodsecretprodsecret\n`,
	);
	const aws = await startAwsStandIn({
		tickMs: 200,
		identities: {
			[DEV_KEY]: {accountId: '111111111111', arn: 'arn:aws:sts::111111111111:assumed-role/Admin/operator'},
			[PROD_KEY]: {accountId: '222222222222', arn: 'arn:aws:sts::222222222222:assumed-role/Admin/operator'},
		},
		stacks: [rackStackSeed({stackName: 'convox-dev'}), rackStackSeed({stackName: 'convox-prod'})],
	});
	const releases = await startReleasesStandIn();
	const config = {
		region: 'us-east-1',
		accounts: {
			dev: {profile: 'convox-dev', accountId: '111111111111', stackName: 'convox-dev', rack: 'dev'},
			prod: {profile: 'convox-prod', accountId: '222222222222', stackName: 'convox-prod', rack: 'prod', production: true},
		},
	};
	await writeFile(path.join(dir, 'convox-ami.config.json'), `${JSON.stringify(config, null, 2)}\n`);
	// A clean environment: no CI (so the Ink screen is used), no credentials or tokens from the caller, a fixed time zone.
	const env = {
		PATH: process.env.PATH ?? '/usr/bin:/bin',
		HOME: home,
		LANG: 'C.UTF-8',
		TZ: 'UTC',
		TERM: 'xterm-256color',
		AWS_ENDPOINT_URL_STS: aws.url,
		AWS_ENDPOINT_URL_CLOUDFORMATION: aws.url,
		AWS_ENDPOINT_URL_EC2: aws.url,
		AWS_EC2_METADATA_DISABLED: 'true',
		AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
		CONVOX_RELEASES_URL: releases.url,
	};
	return {
		dir,
		env,
		async close() {
			await aws.close();
			await releases.close();
			await rm(dir, {recursive: true, force: true});
		},
	};
}

function runToEnd(args: string[], world: World): Promise<void> {
	return new Promise(resolve => {
		execFile(process.execPath, [CLI, ...args], {cwd: world.dir, env: world.env}, () => resolve());
	});
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
const shows = (screen: string, text: Text) => (typeof text === 'string' ? screen.includes(text) : text.test(screen));

async function record(name: string, scenario: ScreenScenario): Promise<string[]> {
	const world = await createWorld();
	const rows = scenario.rows ?? 40;
	const terminal = new xterm.Terminal({cols: COLUMNS, rows, allowProposedApi: true, scrollback: 10_000});
	const command = ['convox-ami', ...scenario.args].join(' ');
	const written: string[] = [];
	try {
		for (const args of scenario.before ?? []) await runToEnd(args, world);
		terminal.write(`\x1b[32m$\x1b[0m ${command}\r\n`);
		const child = spawn(process.execPath, [CLI, ...scenario.args], {name: 'xterm-256color', cols: COLUMNS, rows, cwd: world.dir, env: world.env});
		let lastOutput = Date.now();
		let ended = false;
		child.onData(data => {
			lastOutput = Date.now();
			terminal.write(data);
		});
		const exited = new Promise<void>(resolve =>
			child.onExit(() => {
				ended = true;
				resolve();
			}),
		);
		const flush = () => new Promise<void>(resolve => terminal.write('', resolve));
		const screen = () => {
			const buffer = terminal.buffer.active;
			const lines: string[] = [];
			for (let y = 0; y < buffer.length; y++) lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
			return lines.join('\n').trimEnd();
		};
		const bottom = () => screen().split('\n').slice(-8).join('\n');
		// Until the screen shows `text` (or the program ends, for 'exit'); a skip text ends the scenario.
		const until = async (text: Text | 'exit', timeoutMs: number, onScreen?: () => void) => {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				await flush();
				const current = screen();
				if (scenario.skipIf && shows(current, scenario.skipIf)) throw new Skipped(current.split('\n').find(line => shows(line, scenario.skipIf!)) ?? '');
				if (text === 'exit' ? ended : shows(current, text)) return;
				if (ended) throw new Error(`${name}: the program ended before showing ${String(text)}. Screen:\n${current}`);
				if (Date.now() > deadline) throw new Error(`${name}: timed out waiting for ${String(text)}. Screen:\n${current}`);
				onScreen?.();
				await sleep(50);
			}
		};
		// Lets the frame being drawn finish: output quiet for 300 ms (a spinner never is, so at most 1.5 s).
		const settle = async () => {
			const deadline = Date.now() + 1500;
			while (Date.now() - lastOutput < 300 && Date.now() < deadline) await sleep(50);
			await flush();
		};
		try {
			for (const step of scenario.steps) {
				if ('wait' in step) {
					await until(step.wait, step.timeoutMs ?? 30_000);
				} else if ('keys' in step) {
					child.write(step.keys);
				} else if ('exit' in step) {
					await until('exit', step.timeoutMs ?? 60_000);
					await exited;
				} else if ('answer' in step) {
					let answered = '';
					let seen = {text: '', since: Date.now()};
					await until(step.until, step.timeoutMs ?? 120_000, () => {
						const current = bottom();
						// A spinner keeps the output busy, so "settled" means the prompt area unchanged for 300 ms.
						if (current !== seen.text) seen = {text: current, since: Date.now()};
						if (current === answered || Date.now() - seen.since < 300) return;
						const answer = step.answer.find(candidate => shows(current, candidate.prompt));
						if (!answer) return;
						answered = current;
						child.write(answer.keys);
					});
				} else {
					await settle();
					const {start, end} = contentRange(terminal);
					const from = step.last === undefined ? start : Math.max(start, end - step.last);
					const to = step.first === undefined ? end : Math.min(end, from + step.first);
					const file = path.join(OUT, `${step.snapshot}.svg`);
					await writeFile(file, terminalToSvg(terminal, {title: command, start: from, end: to}));
					written.push(path.relative(root, file));
				}
			}
		} finally {
			if (!ended) {
				child.kill('SIGTERM');
				await Promise.race([exited, sleep(3000)]);
				if (!ended) child.kill('SIGKILL');
			}
		}
	} finally {
		terminal.dispose();
		await world.close();
	}
	return written;
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter(name => !(name in scenarios));
if (unknown.length > 0) {
	console.error(`Unknown scenario ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
	process.exit(2);
}
if (!existsSync(CLI)) execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], {cwd: root, stdio: 'inherit'});
await mkdir(OUT, {recursive: true});
let failed = 0;
for (const [name, scenario] of Object.entries(scenarios)) {
	if (wanted.length > 0 && !wanted.includes(name)) continue;
	try {
		const files = await record(name, scenario);
		console.log(`${name}: ${files.join(', ')}`);
	} catch (error) {
		if (error instanceof Skipped) {
			console.log(`${name}: skipped, this build says: ${error.message.trim()}`);
		} else {
			failed++;
			console.error(error instanceof Error ? error.message : error);
		}
	}
}
process.exitCode = failed > 0 ? 1 : 0;
