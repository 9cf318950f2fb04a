import {spawn, type ChildProcess} from 'node:child_process';
import {createWriteStream, mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {LineSplitter} from './machine-readable';
import {PackerOutput, type PackerOutputEvent} from './output';
import type {BuildResources} from './phases';
import {createScrubber, MASK, type Scrubber} from './scrubber';

export interface PackerInvocation {
	/** The packer binary (a path or a name found on PATH). */
	packer: string;
	template: string;
	variables: Record<string, string>;
	/** Passed as `-var` like the variables (that is how Packer takes them), never shown or logged. */
	secrets: Record<string, string>;
	env: NodeJS.ProcessEnv;
	cwd?: string;
}

export interface PackerBuildOptions extends PackerInvocation {
	/** The whole scrubbed, unescaped output is appended here. */
	logPath: string;
	onEvent?: (event: PackerOutputEvent) => void;
}

export interface PackerResult {
	exitCode: number;
	/** Region → AMI id, from the `artifact,N,id` lines. */
	amiIds: Record<string, string>;
	/** Packer's error lines (scrubbed), empty on success. */
	errors: string[];
	/** Packer confirmed a clean cancellation. */
	cancelled: boolean;
}

export interface PackerBuild {
	readonly pid: number | undefined;
	readonly result: Promise<PackerResult>;
	/** SIGINT to Packer's process group: Packer cancels and cleans up what it created. */
	cancel(): void;
	/** SIGKILL to the group: stops at once and leaves behind whatever `resources()` names. */
	kill(): void;
	/** What the build created and has not removed yet, as far as its output tells. */
	resources(): BuildResources;
}

type PackerCommand = 'build' | 'validate';

export function packerArgs(command: PackerCommand, invocation: Pick<PackerInvocation, 'template' | 'variables' | 'secrets'>): string[] {
	const args = command === 'build' ? ['build', '-machine-readable', '-color=false'] : ['validate'];
	for (const [name, value] of Object.entries({...invocation.variables, ...invocation.secrets})) args.push('-var', `${name}=${value}`);
	args.push(invocation.template);
	return args;
}

function shellQuote(arg: string): string {
	return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command line as an operator could paste it, with every secret value shown as `***`. */
export function formatPackerCommand(command: PackerCommand, invocation: Omit<PackerInvocation, 'env' | 'cwd'>): string {
	const masked = Object.fromEntries(Object.keys(invocation.secrets).map(name => [name, MASK]));
	const args = packerArgs(command, {...invocation, secrets: masked});
	const scrub = createScrubber(Object.values(invocation.secrets));
	return ['CHECKPOINT_DISABLE=1', invocation.packer, ...args].map(arg => shellQuote(scrub(arg))).join(' ');
}

function packerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	return {...env, CHECKPOINT_DISABLE: '1'};
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
	try {
		process.kill(-child.pid, signal);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
	}
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
	if (code !== null) return code;
	return signal === 'SIGKILL' ? 137 : signal === 'SIGTERM' ? 143 : signal === 'SIGINT' ? 130 : 1;
}

/** Feeds a child's stdout and stderr, line by line, to `onLine`, until both end. */
function readLines(child: ChildProcess, onLine: (line: string) => void): Promise<void> {
	const streams = [child.stdout!, child.stderr!];
	return Promise.all(
		streams.map(
			stream =>
				new Promise<void>(resolve => {
					const splitter = new LineSplitter();
					stream.setEncoding('utf8');
					stream.on('data', (chunk: string) => splitter.push(chunk, onLine));
					stream.on('end', () => {
						splitter.flush(onLine);
						resolve();
					});
					stream.on('error', () => resolve());
				}),
		),
	).then(() => undefined);
}

type Exit = {code: number | null; signal: NodeJS.Signals | null};

function exitOf(child: ChildProcess): Promise<Exit> {
	return new Promise((resolve, reject) => {
		child.on('error', reject);
		child.on('exit', (code, signal) => resolve({code, signal}));
	});
}

const PIPE_GRACE_MS = 1000;

/**
 * After Packer exits its pipes end at once, unless a stray grandchild still holds them open: then
 * stop reading once nothing has arrived for a while (a log write still draining counts as progress).
 */
async function drained(child: ChildProcess, read: Promise<void>, progress: () => number): Promise<void> {
	let done = false;
	void read.then(() => (done = true));
	for (;;) {
		const before = progress();
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([read, new Promise(resolve => (timer = setTimeout(resolve, PIPE_GRACE_MS)))]);
		clearTimeout(timer);
		if (done) return;
		if (progress() === before && !child.stdout?.isPaused()) break;
	}
	child.stdout?.destroy();
	child.stderr?.destroy();
}

/**
 * Starts `packer build -machine-readable -color=false` in its own process group (SIGINT to
 * Packer's own pid is ignored: it runs behind a wrapper), stdin ignored, `CHECKPOINT_DISABLE=1`.
 */
export function runPackerBuild(options: PackerBuildOptions): PackerBuild {
	const scrub = createScrubber(Object.values(options.secrets));
	mkdirSync(dirname(options.logPath), {recursive: true});
	const log = createWriteStream(options.logPath, {flags: 'a', mode: 0o600});
	const child = spawn(options.packer, packerArgs('build', options), {
		cwd: options.cwd,
		env: packerEnv(options.env),
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	let logError: Error | undefined;
	const resume = () => {
		child.stdout?.resume();
		child.stderr?.resume();
	};
	const output = new PackerOutput(scrub, options.onEvent, line => {
		// Backpressure: a slow disk pauses Packer's pipes rather than buffering its output in memory.
		if (!logError && !log.write(`${line}\n`)) {
			child.stdout?.pause();
			child.stderr?.pause();
		}
	});
	log.on('drain', resume);
	const logClosed = new Promise<void>(resolve => {
		log.on('close', resolve);
		log.on('error', error => {
			logError = error;
			resume();
			resolve();
		});
	});
	let lines = 0;
	const read = readLines(child, line => {
		lines++;
		output.push(line);
	});
	const result = (async (): Promise<PackerResult> => {
		let exit: Exit;
		try {
			exit = await exitOf(child);
			await drained(child, read, () => lines + log.writableLength);
		} finally {
			log.end();
			await logClosed;
		}
		if (logError) throw new Error(`Could not write the Packer log ${options.logPath}: ${logError.message}`);
		const exitCode = exitCodeOf(exit.code, exit.signal);
		return {exitCode, amiIds: {...output.amiIds}, errors: exitCode === 0 ? [] : output.failureLines(), cancelled: output.cancelled};
	})();
	return {
		pid: child.pid,
		result,
		cancel: () => signalGroup(child, 'SIGINT'),
		kill: () => signalGroup(child, 'SIGKILL'),
		resources: () => output.tracker.leftBehind(),
	};
}

export interface PackerValidation {
	exitCode: number;
	/** Packer's output, scrubbed. */
	lines: string[];
}

const VALIDATE_LINES_KEPT = 200;

/** `packer validate` with the same variables a build would get; never contacts AWS. */
export async function runPackerValidate(invocation: PackerInvocation): Promise<PackerValidation> {
	const scrub: Scrubber = createScrubber(Object.values(invocation.secrets));
	const child = spawn(invocation.packer, packerArgs('validate', invocation), {
		cwd: invocation.cwd,
		env: packerEnv(invocation.env),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const lines: string[] = [];
	const read = readLines(child, line => {
		lines.push(scrub(line));
		if (lines.length > VALIDATE_LINES_KEPT) lines.shift();
	});
	const {code, signal} = await exitOf(child);
	await drained(child, read, () => lines.length);
	return {exitCode: exitCodeOf(code, signal), lines};
}
