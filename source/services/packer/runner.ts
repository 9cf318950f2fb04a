import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {closeSync, constants, createWriteStream, mkdirSync, openSync, rmSync} from 'node:fs';
import {Socket} from 'node:net';
import {dirname} from 'node:path';
import type {Readable} from 'node:stream';
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

/**
 * Secrets never go on the command line (any local user could read them with `ps`): the template's
 * secret variables default to `{{env `LIBRATO_TOKEN`}}` and the like, set in Packer's environment.
 */
function packerArgs(command: PackerCommand, invocation: Pick<PackerInvocation, 'template' | 'variables'>): string[] {
	const args = command === 'build' ? ['build', '-machine-readable', '-color=false'] : ['validate'];
	for (const [name, value] of Object.entries(invocation.variables)) args.push('-var', `${name}=${value}`);
	args.push(invocation.template);
	return args;
}

/** `librato_token` → `LIBRATO_TOKEN`, the variable the template reads it from. */
function secretEnv(secrets: Record<string, string>): Record<string, string> {
	return Object.fromEntries(Object.entries(secrets).map(([name, value]) => [name.toUpperCase(), value]));
}

function shellQuote(arg: string): string {
	return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command line as an operator could paste it, with every secret value shown as `***`. */
export function formatPackerCommand(command: PackerCommand, invocation: Omit<PackerInvocation, 'env' | 'cwd'>): string {
	const masked = Object.keys(secretEnv(invocation.secrets)).map(name => `${name}=${MASK}`);
	const scrub = createScrubber(Object.values(invocation.secrets));
	return ['CHECKPOINT_DISABLE=1', ...masked, ...[invocation.packer, ...packerArgs(command, invocation)].map(arg => shellQuote(scrub(arg)))].join(' ');
}

function packerEnv(env: NodeJS.ProcessEnv, secrets: Record<string, string>): NodeJS.ProcessEnv {
	return {...env, ...secretEnv(secrets), CHECKPOINT_DISABLE: '1'};
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

/** Feeds streams, line by line, to `onLine`, until they all end. */
function readLines(streams: Readable[], onLine: (line: string) => void): Promise<void> {
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
async function drained(streams: Readable[], read: Promise<void>, progress: () => number): Promise<void> {
	let done = false;
	void read.then(() => (done = true));
	for (;;) {
		const before = progress();
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([read, new Promise(resolve => (timer = setTimeout(resolve, PIPE_GRACE_MS)))]);
		clearTimeout(timer);
		if (done) return;
		if (progress() === before && !streams.some(stream => stream.isPaused())) break;
	}
	for (const stream of streams) stream.destroy();
}

/** The named pipe Packer writes its output into, next to its log. */
function outputPipeOf(logPath: string): string {
	return `${logPath.replace(/\.log$/, '')}.pipe`;
}

function makePipe(pipePath: string): void {
	rmSync(pipePath, {force: true});
	const made = spawnSync('mkfifo', ['-m', '600', pipePath], {encoding: 'utf8'});
	if (made.status !== 0) throw new Error(`Could not make the named pipe ${pipePath}: ${made.error?.message ?? made.stderr.trim()}`);
}

function openPipeReader(pipePath: string): {fd: number; stream: Socket} {
	const fd = openSync(pipePath, constants.O_RDONLY | constants.O_NONBLOCK);
	return {fd, stream: new Socket({fd, readable: true, writable: false})};
}

interface OutputOptions {
	logPath: string;
	secrets: Record<string, string>;
	onEvent?: (event: PackerOutputEvent) => void;
}

/** Scrubs a stream of Packer output into events and the log, with backpressure from the log. */
function takeOutput(stream: Readable, options: OutputOptions) {
	const scrub = createScrubber(Object.values(options.secrets));
	mkdirSync(dirname(options.logPath), {recursive: true});
	const log = createWriteStream(options.logPath, {flags: 'a', mode: 0o600});
	let logError: Error | undefined;
	const output = new PackerOutput(scrub, options.onEvent, line => {
		// Backpressure: a slow disk pauses Packer's pipe rather than buffering its output in memory.
		if (!logError && !log.write(`${line}\n`)) stream.pause();
	});
	log.on('drain', () => stream.resume());
	const logClosed = new Promise<void>(resolve => {
		log.on('close', resolve);
		log.on('error', error => {
			logError = error;
			stream.resume();
			resolve();
		});
	});
	let lines = 0;
	const read = readLines([stream], line => {
		lines++;
		output.push(line);
	});
	return {
		output,
		read,
		drained: () => drained([stream], read, () => lines + log.writableLength),
		async close(): Promise<void> {
			log.end();
			await logClosed;
			if (logError) throw new Error(`Could not write the Packer log ${options.logPath}: ${logError.message}`);
		},
	};
}

/**
 * Starts `packer build -machine-readable -color=false` in its own process group (SIGINT to
 * Packer's own pid is ignored: it runs behind a wrapper), stdin ignored, `CHECKPOINT_DISABLE=1`.
 * Its output goes into a named pipe that Packer itself also holds open for reading (fd 3): if this
 * process dies, Packer's writes do not fail with SIGPIPE (which kills Packer 1.6.6 mid-build,
 * without clean-up); they wait until `followPackerBuild` reads on.
 */
export function runPackerBuild(options: PackerBuildOptions): PackerBuild {
	const pipePath = outputPipeOf(options.logPath);
	mkdirSync(dirname(options.logPath), {recursive: true});
	makePipe(pipePath);
	const reader = openPipeReader(pipePath);
	const writer = openSync(pipePath, constants.O_WRONLY);
	let child: ChildProcess;
	try {
		child = spawn(options.packer, packerArgs('build', options), {
			cwd: options.cwd,
			env: packerEnv(options.env, options.secrets),
			stdio: ['ignore', writer, writer, reader.fd],
			detached: true,
		});
	} finally {
		closeSync(writer);
	}
	const taken = takeOutput(reader.stream, options);
	const result = (async (): Promise<PackerResult> => {
		let exit: Exit;
		try {
			exit = await exitOf(child);
			await taken.drained();
		} finally {
			reader.stream.destroy();
			await taken.close();
			rmSync(pipePath, {force: true});
		}
		const exitCode = exitCodeOf(exit.code, exit.signal);
		const {output} = taken;
		return {exitCode, amiIds: {...output.amiIds}, errors: exitCode === 0 ? [] : output.failureLines(), cancelled: output.cancelled};
	})();
	return {
		pid: child.pid,
		result,
		cancel: () => signalGroup(child, 'SIGINT'),
		kill: () => signalGroup(child, 'SIGKILL'),
		resources: () => taken.output.tracker.leftBehind(),
	};
}

export interface FollowedBuild {
	/** Region → AMI id, from the artifact lines read while following (empty when none were). */
	amiIds: Record<string, string>;
	errors: string[];
	cancelled: boolean;
	/** False when there was no output pipe to read (the build was started by an older version). */
	read: boolean;
}

const POLL_MS = 1000;

/**
 * Reads on from the output pipe of a Packer that an earlier, dead process started, until Packer
 * has ended (`running` is polled every second: a pipe opened after its writer died never ends).
 */
export async function followPackerBuild(options: OutputOptions & {running: () => boolean}): Promise<FollowedBuild> {
	const pipePath = outputPipeOf(options.logPath);
	const sleep = () => new Promise(resolve => setTimeout(resolve, POLL_MS));
	let reader: {fd: number; stream: Socket};
	try {
		reader = openPipeReader(pipePath);
	} catch {
		while (options.running()) await sleep();
		return {amiIds: {}, errors: [], cancelled: false, read: false};
	}
	const taken = takeOutput(reader.stream, options);
	let ended = false;
	void taken.read.then(() => (ended = true));
	try {
		while (!ended && options.running()) await Promise.race([taken.read, sleep()]);
		await taken.drained();
	} finally {
		reader.stream.destroy();
		await taken.close();
		rmSync(pipePath, {force: true});
	}
	const {output} = taken;
	return {amiIds: {...output.amiIds}, errors: output.failureLines(), cancelled: output.cancelled, read: true};
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
		env: packerEnv(invocation.env, invocation.secrets),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const lines: string[] = [];
	const streams = [child.stdout!, child.stderr!];
	const read = readLines(streams, line => {
		lines.push(scrub(line));
		if (lines.length > VALIDATE_LINES_KEPT) lines.shift();
	});
	const {code, signal} = await exitOf(child);
	await drained(streams, read, () => lines.length);
	return {exitCode: exitCodeOf(code, signal), lines};
}
