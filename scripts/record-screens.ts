// npm run screens [-- NAME...]: runs the built CLI in a real pseudo-terminal for each scenario below,
// answers it as an operator would, and draws the terminal at chosen moments into docs/screens/NAME.svg.
import {execFile, execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {spawn} from '@lydell/node-pty';
import xterm from '@xterm/headless';
import {rackStackSeed, startAwsStandIn} from '../source/rehearsal/aws-stand-in';
import {startReleasesStandIn} from '../source/rehearsal/releases-stand-in';
import {contentRange, terminalToSvg} from './terminal-svg';

type Text = string | RegExp;

type ScreenStep =
	/** Wait until the screen shows this. */
	| {wait: Text; timeoutMs?: number}
	/** Type these keys ('\r' is Enter, '\u001b[B' is ↓). */
	| {keys: string}
	/** Wait for the program to end. */
	| {exit: true; timeoutMs?: number}
	/** Answer every prompt that shows up at the bottom of the screen until `until` shows (or the program ends). */
	| {answer: Array<{prompt: Text; keys: string}>; until: Text | 'exit'; timeoutMs?: number}
	/**
	 * Draw the screen into docs/screens/NAME.svg: from the last line showing `from` (default the
	 * top), then `first`/`last` keep only that many lines of it.
	 */
	| {snapshot: string; from?: Text; first?: number; last?: number};

interface ScreenScenario {
	/** CLI arguments of the captured run; the command line is shown above its output. */
	args: string[];
	/** Runs of the CLI, without a terminal and to their end, that set the stage (e.g. a run for `runs` to list). */
	before?: string[][];
	/** A text that means this capture cannot be made with this build: the scenario is skipped with a message. */
	skipIf?: Text;
	/** Variables added to the child's clean environment (e.g. CI for the plain renderer). */
	env?: Record<string, string>;
	rows?: number;
	steps: ScreenStep[];
}

const ENTER = '\r';
/** The first line of the Ink screen's live area (the header), below what the run has printed for good. */
const LIVE_AREA = /^convox-ami \w+ · /;
const confirmations = [
	{prompt: /\by\/n\b/i, keys: 'y'},
	// a choice (the account, a manual check): the first, highlighted option
	{prompt: /❯ /, keys: ENTER},
	// a rehearsal fills in the production stack's name
	{prompt: /Type its name/, keys: ENTER},
];

const scenarios: Record<string, ScreenScenario> = {
	help: {args: ['--help'], steps: [{exit: true}, {snapshot: 'help'}]},
	rehearsal: {
		args: ['--rehearse'],
		// The replayed amazon-ebs build shows every phase in the build pane.
		env: {CONVOX_AMI_REHEARSAL_PACKER: 'replay'},
		skipIf: 'not available yet',
		rows: 50,
		steps: [
			{answer: confirmations, until: '▸ provision'},
			{snapshot: 'build-pane', from: LIVE_AREA},
			{answer: confirmations, until: /[3-9] finished/},
			{snapshot: 'stack-events', from: LIVE_AREA},
			{answer: confirmations, until: '? Logs reach SumoLogic'},
			{snapshot: 'checklist', from: LIVE_AREA},
			{answer: confirmations, until: 'Promote Convox'},
			{snapshot: 'rehearsal'},
			{answer: confirmations, until: 'exit'},
			{snapshot: 'rehearsal-prod', from: 'Account prod'},
		],
	},
	'dry-run': {
		args: ['--env', 'dev', '--dry-run'],
		// Example values: the build reads its secrets from the environment (or asks for them).
		env: {LIBRATO_EMAIL: 'ops@example.com', LIBRATO_TOKEN: 'example-librato-token', LOGSPOUT_TOKEN: 'example-logspout-token'},
		steps: [{answer: confirmations, until: 'exit'}, {snapshot: 'dry-run'}],
	},
	plain: {
		args: ['--rehearse', '--env', 'dev', '--yes', '--confirm', 'sumologic'],
		env: {CI: 'true'},
		steps: [{exit: true}, {snapshot: 'plain', from: /^▸ verify/}],
	},
	'account-prompt': {args: [], steps: [{wait: 'Which account?'}, {snapshot: 'account-prompt'}]},
	runs: {
		before: [
			['--rehearse', '--env', 'dev', '--yes', '--confirm', 'sumologic'],
			['--env', 'dev', '--dry-run', '--yes'],
		],
		args: ['runs'],
		steps: [{exit: true}, {snapshot: 'runs'}],
	},
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
async function createWorld(name: string): Promise<World> {
	// A fixed folder per scenario keeps the paths on screen the same from one recording to the next.
	const dir = path.join(os.tmpdir(), 'convox-ami-screens', name);
	await rm(dir, {recursive: true, force: true});
	await mkdir(dir, {recursive: true});
	const home = path.join(dir, 'home');
	await mkdir(path.join(home, '.aws'), {recursive: true});
	await writeFile(
		path.join(home, '.aws', 'config'),
		'[profile convox-dev]\nregion = us-east-1\n[profile convox-prod]\nregion = us-east-1\n',
	);
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
		execFile(process.execPath, [CLI, ...args], {cwd: world.dir, env: world.env}, (error, _stdout, stderr) => {
			if (error)
				console.warn(
					`convox-ami ${args.join(' ')} (setting the stage) ended with ${String(error.code)}: ${stderr.trim().split('\n').at(-1) ?? ''}`,
				);
			resolve();
		});
	});
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
const shows = (screen: string, text: Text) => (typeof text === 'string' ? screen.includes(text) : text.test(screen));

async function record(name: string, scenario: ScreenScenario): Promise<string[]> {
	const world = await createWorld(name);
	const rows = scenario.rows ?? 40;
	const terminal = new xterm.Terminal({cols: COLUMNS, rows, allowProposedApi: true, scrollback: 10_000});
	const command = ['convox-ami', ...scenario.args].join(' ');
	const written: string[] = [];
	try {
		for (const args of scenario.before ?? []) await runToEnd(args, world);
		terminal.write(`\x1b[32m$\x1b[0m ${command}\r\n`);
		const child = spawn(process.execPath, [CLI, ...scenario.args], {
			name: 'xterm-256color',
			cols: COLUMNS,
			rows,
			cwd: world.dir,
			env: {...world.env, ...scenario.env},
		});
		let ended = false;
		child.onData(data => terminal.write(data));
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
				if (scenario.skipIf && shows(current, scenario.skipIf))
					throw new Skipped(current.split('\n').find(line => shows(line, scenario.skipIf!)) ?? '');
				if (text === 'exit' ? ended : shows(current, text)) return;
				if (ended) throw new Error(`${name}: the program ended before showing ${String(text)}. Screen:\n${current}`);
				if (Date.now() > deadline) throw new Error(`${name}: timed out waiting for ${String(text)}. Screen:\n${current}`);
				onScreen?.();
				await sleep(50);
			}
		};
		// Lets a frame being drawn arrive whole (a spinner keeps the output busy, so no waiting for quiet).
		const settle = async () => {
			await sleep(100);
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
					const range = contentRange(terminal);
					const start = step.from === undefined ? range.start : Math.max(range.start, lastLineShowing(terminal, step.from));
					const end = range.end;
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

function lastLineShowing(terminal: InstanceType<typeof xterm.Terminal>, text: Text): number {
	const buffer = terminal.buffer.active;
	for (let y = buffer.length - 1; y >= 0; y--) if (shows(buffer.getLine(y)?.translateToString(true) ?? '', text)) return y;
	throw new Error(`Nothing on screen shows ${String(text)}`);
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
