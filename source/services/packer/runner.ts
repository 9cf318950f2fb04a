import {spawn} from 'node:child_process';
import {closeSync, mkdirSync, openSync, readSync, rmSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {StringDecoder} from 'node:string_decoder';
import {fileURLToPath} from 'node:url';
import {SECRET_ENV_NAMES, type BuildSecretEnvName, type BuildSecretVariable} from '../../core/secrets';
import {packerEnvironment, type PackerAws} from './environment';
import {readKeeperRecord, type KeeperConfig, type KeeperRecord} from './keeper';
import {LineSplitter, readLines} from './machine-readable';
import {isRunning, signalPackerGroup, type PackerProcess} from './orphan';
import {PackerOutput, type PackerOutputEvent} from './output';
import type {BuildResources} from './phases';
import {createScrubber, MASK} from './scrubber';
import {serveVarFile, withVarFile} from './var-file';
import type {StateHandOff} from '../../core/state-location';
import {varFileArgs} from './var-files';

/** The hidden CLI command that runs the keeper (see keeper.ts). */
export const KEEPER_COMMAND = '__packer-keeper';

/** One of the build's secrets (only those of core/secrets.ts: the scrubbers know no other), with its value. */
export interface PackerSecret {
	/** The template's variable (`librato_token`), set through the var-file. */
	variable: BuildSecretVariable;
	/** The environment variable (`LIBRATO_TOKEN`) `{{env}}` defaults read. */
	envName: BuildSecretEnvName;
	value: string;
}

export interface PackerInvocation {
	/** The packer binary (a path or a name found on PATH). */
	packer: string;
	template: string;
	/** The config's var files, passed in order before the variables: those win. */
	varFiles?: string[];
	variables: Record<string, string>;
	/**
	 * Never on the command line (anyone can read it with `ps`): each reaches Packer both through a
	 * `-var-file` that is a named pipe (templates with required variables) and its environment
	 * (templates whose variables default to `{{env ...}}`).
	 */
	secrets: PackerSecret[];
	/** Secret values the config's var files set (Packer reads them there): scrubbed from its output like the secrets. */
	varFileSecrets?: string[];
	/** The account's credentials and the run's region, in Packer's environment only. */
	aws: PackerAws;
	environment: NodeJS.ProcessEnv;
	cwd?: string;
}

/** Where one run's Packer files live, next to its log `RUN_ID.packer.log`. */
export interface PackerFiles {
	/** Packer's whole output, scrubbed, human-readable (one `# …` header per attempt). */
	log: string;
	/** The attempt's scrubbed machine-readable output, written by the keeper, followed by the CLI. */
	out: string;
	/** The keeper's record of the attempt. */
	record: string;
	/** The 0700 folder of the var-file's named pipe. */
	varFileDir: string;
}

export function packerFilesOf(logPath: string): PackerFiles {
	const base = logPath.replace(/\.log$/, '');
	return {log: logPath, out: `${base}.out`, record: `${base}.record`, varFileDir: `${base}.vars`};
}

export interface PackerBuildOptions extends PackerInvocation {
	logPath: string;
	/** The shared state the keeper sends its files to. */
	share?: StateHandOff;
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
	readonly packer: PackerProcess;
	readonly keeper: PackerProcess;
	readonly result: Promise<PackerResult>;
	/** SIGINT to Packer's process group: Packer cancels and cleans up what it created. */
	cancel(): void;
	/** SIGKILL to the group: stops at once and leaves behind whatever `resources()` names. */
	kill(): void;
	/** What the build created and has not removed yet, as far as its output tells. */
	resources(): BuildResources;
}

type PackerCommand = 'build' | 'validate';

const VAR_FILE_SHOWN = '-var-file=…';

function packerArgs(command: PackerCommand, invocation: Pick<PackerInvocation, 'template' | 'variables' | 'varFiles'>): string[] {
	const args = command === 'build' ? ['build', '-machine-readable', '-color=false'] : ['validate'];
	args.push(...varFileArgs(invocation.varFiles));
	for (const [name, value] of Object.entries(invocation.variables)) args.push('-var', `${name}=${value}`);
	args.push(invocation.template);
	return args;
}

function environmentOf(invocation: Pick<PackerInvocation, 'environment' | 'secrets' | 'aws'>): Record<string, string> {
	return packerEnvironment(
		invocation.environment,
		invocation.aws,
		Object.fromEntries(invocation.secrets.map(secret => [secret.envName, secret.value])),
	);
}

/**
 * What Packer's environment holds under the names no output may carry (the run's scrubber is
 * built from the same list): the build's secrets and the AWS keys Packer signs with.
 */
function secretEnvironment(invocation: Pick<PackerInvocation, 'secrets' | 'aws'>): Record<string, string> {
	const environment = environmentOf({...invocation, environment: {}});
	return Object.fromEntries(SECRET_ENV_NAMES.flatMap(name => (environment[name] ? [[name, environment[name]]] : [])));
}

/** Every value scrubbed from Packer's output. */
function secretValues(invocation: Pick<PackerInvocation, 'secrets' | 'aws' | 'varFileSecrets'>): string[] {
	return [...Object.values(secretEnvironment(invocation)), ...(invocation.varFileSecrets ?? [])];
}

function shellQuote(arg: string): string {
	return /^[\w@%+=:,./…-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The command line as an operator could read it: what reaches Packer's environment by name, each secret as `***`. */
export function formatPackerCommand(command: PackerCommand, invocation: Omit<PackerInvocation, 'environment' | 'cwd'>): string {
	const masked = Object.keys(secretEnvironment(invocation)).map(name => `${name}=${MASK}`);
	const scrub = createScrubber(secretValues(invocation));
	const args = withVarFile(packerArgs(command, invocation), invocation.secrets.length > 0 ? VAR_FILE_SHOWN : undefined);
	return [
		'CHECKPOINT_DISABLE=1',
		...masked,
		`AWS_REGION=${invocation.aws.region}`,
		...[invocation.packer, ...args].map(arg => shellQuote(scrub(arg))),
	].join(' ');
}

/** The keeper runs through this very CLI: dist/cli.js from the bundle, cli.tsx through tsx from source. */
function keeperCommand(): {command: string; args: string[]; cwd: string} {
	const here = fileURLToPath(import.meta.url);
	if (here.endsWith('.ts')) {
		const cli = fileURLToPath(new URL('../../../cli.tsx', import.meta.url));
		return {command: process.execPath, args: ['--import', 'tsx', cli, KEEPER_COMMAND], cwd: dirname(cli)};
	}
	const dist = dirname(here).endsWith('/chunks') ? dirname(dirname(here)) : dirname(here);
	return {command: process.execPath, args: [join(dist, 'cli.js'), KEEPER_COMMAND], cwd: dist};
}

const POLL_MS = 100;
const START_TIMEOUT_MS = 30_000;
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function startError(record: KeeperRecord): Error {
	const error = new Error(record.startError!.message) as NodeJS.ErrnoException;
	if (record.startError!.code) error.code = record.startError!.code;
	return error;
}

/**
 * Starts `packer build -machine-readable -color=false` under a keeper (see keeper.ts) and follows
 * it. The keeper is detached and gets its configuration, secrets included, through its stdin;
 * it starts Packer in Packer's own process group (SIGINT to Packer's pid alone is ignored: it runs
 * behind a wrapper). Resolves once Packer runs; rejects (ENOENT) when it cannot be started.
 */
export async function startPackerBuild(options: PackerBuildOptions): Promise<PackerBuild> {
	const files = packerFilesOf(options.logPath);
	mkdirSync(dirname(files.log), {recursive: true});
	rmSync(files.record, {force: true});
	const config: KeeperConfig = {
		packer: options.packer,
		args: packerArgs('build', options),
		environment: environmentOf(options),
		...(options.cwd ? {cwd: options.cwd} : {}),
		logPath: files.log,
		outPath: files.out,
		recordPath: files.record,
		secrets: secretValues(options),
		...(options.share ? {share: options.share} : {}),
		...(options.secrets.length > 0
			? {varFile: {dir: files.varFileDir, values: Object.fromEntries(options.secrets.map(secret => [secret.variable, secret.value]))}}
			: {}),
	};
	const keeper = keeperCommand();
	const child = spawn(keeper.command, keeper.args, {cwd: keeper.cwd, stdio: ['pipe', 'ignore', 'ignore'], detached: true});
	const spawned = new Promise<Error | undefined>(resolve => {
		child.once('spawn', () => resolve(undefined));
		child.once('error', resolve);
	});
	child.stdin!.end(JSON.stringify(config));
	const failed = await spawned;
	if (failed) throw new Error(`Could not start the Packer keeper: ${failed.message}`);
	child.unref();
	const deadline = Date.now() + START_TIMEOUT_MS;
	let record = readKeeperRecord(files.record);
	while (!record?.packer && record?.state !== 'ended') {
		if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline)
			throw new Error(`The Packer keeper (pid ${child.pid}) ended before it started Packer.`);
		await sleep(20);
		record = readKeeperRecord(files.record);
	}
	if (record.startError) throw startError(record);
	const started = record as KeeperRecord & {packer: PackerProcess};
	const followed = followPackerBuild({files, secrets: secretValues(options), ...(options.onEvent ? {onEvent: options.onEvent} : {})});
	return {
		packer: started.packer,
		keeper: started.keeper,
		result: followed.then(build => {
			if (build.writeError) throw new Error(build.writeError);
			return {exitCode: build.exitCode ?? 1, amiIds: build.amiIds, errors: build.errors, cancelled: build.cancelled};
		}),
		cancel: () => signalPackerGroup(started.packer, 'SIGINT'),
		kill: () => signalPackerGroup(started.packer, 'SIGKILL'),
		resources: () => followed.output.tracker.leftBehind(),
	};
}

export interface FollowedBuild {
	/** Packer's exit code; undefined when the keeper died before Packer ended. */
	exitCode: number | undefined;
	/** Region → AMI id from the artifact lines. */
	amiIds: Record<string, string>;
	/** The AMI Packer said it was creating (`AMI: ami-…`), finished or not. */
	createdAmi: string | undefined;
	errors: string[];
	cancelled: boolean;
	/** What the build created and had not removed when it ended. */
	leftBehind: BuildResources;
	/** The keeper could not keep the output (a full disk). */
	writeError: string | undefined;
}

export interface FollowOptions {
	files: PackerFiles;
	secrets: string[];
	onEvent?: (event: PackerOutputEvent) => void;
	/** Lines already in the output file when following starts are taken in without an event (a resume). */
	fromEnd?: boolean;
}

/**
 * Follows one attempt through the keeper's output file and record until Packer has ended (or the
 * keeper died without recording the end): every line becomes the same events as a live build's.
 */
export function followPackerBuild(options: FollowOptions): Promise<FollowedBuild> & {output: PackerOutput} {
	let quiet = options.fromEnd ?? false;
	const output = new PackerOutput(createScrubber(options.secrets), event => {
		if (!quiet) options.onEvent?.(event);
	});
	const splitter = new LineSplitter();
	const decoder = new StringDecoder('utf8');
	const buffer = Buffer.alloc(1 << 16);
	let position = 0;
	let fd: number | undefined;
	const readOn = (): boolean => {
		if (fd === undefined) {
			try {
				fd = openSync(options.files.out, 'r');
			} catch {
				return false;
			}
		}
		let count: number;
		try {
			count = readSync(fd, buffer, 0, buffer.length, position);
		} catch {
			// Not readable (the keeper could not make it: its record says why).
			return false;
		}
		position += count;
		splitter.push(decoder.write(buffer.subarray(0, count)), line => output.push(line));
		return count > 0;
	};
	/** Reads to the end of what the keeper wrote so far, one chunk per turn of the event loop (the screen renders in between). */
	const readToEnd = async (): Promise<void> => {
		while (readOn()) await new Promise(resolve => setImmediate(resolve));
	};
	const followed = (async (): Promise<FollowedBuild> => {
		try {
			await readToEnd();
			quiet = false;
			for (;;) {
				const record = readKeeperRecord(options.files.record);
				const ended = record?.state === 'ended' || !record || !isRunning(record.keeper, KEEPER_COMMAND);
				await readToEnd();
				if (ended) {
					splitter.push(decoder.end(), line => output.push(line));
					splitter.flush(line => output.push(line));
					const exitCode = record?.state === 'ended' ? record.exitCode : undefined;
					return {
						exitCode,
						amiIds: {...record?.amiIds, ...output.amiIds},
						createdAmi: output.tracker.created.ami ?? record?.createdAmi,
						errors: exitCode === 0 ? [] : record?.errors.length ? record.errors : output.failureLines(),
						cancelled: output.cancelled || Boolean(record?.cancelled),
						leftBehind: output.tracker.leftBehind(),
						writeError: record?.writeError,
					};
				}
				await sleep(POLL_MS);
			}
		} finally {
			if (fd !== undefined) closeSync(fd);
		}
	})();
	return Object.assign(followed, {output});
}

export interface PackerValidation {
	exitCode: number;
	/** Packer's output, scrubbed. */
	lines: string[];
}

const VALIDATE_LINES_KEPT = 200;

/** `packer validate` with the same variables, var-file and environment a build would get; never contacts AWS. */
export async function runPackerValidate(invocation: PackerInvocation & {varFileDir: string}): Promise<PackerValidation> {
	const scrub = createScrubber(secretValues(invocation));
	const varFile =
		invocation.secrets.length > 0
			? serveVarFile(invocation.varFileDir, Object.fromEntries(invocation.secrets.map(secret => [secret.variable, secret.value])))
			: undefined;
	try {
		const child = spawn(invocation.packer, withVarFile(packerArgs('validate', invocation), varFile && `-var-file=${varFile.path}`), {
			cwd: invocation.cwd,
			env: environmentOf(invocation),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const lines: string[] = [];
		const read = readLines([child.stdout, child.stderr], line => {
			lines.push(scrub(line));
			if (lines.length > VALIDATE_LINES_KEPT) lines.shift();
		});
		const exitCode = await new Promise<number>((resolve, reject) => {
			child.on('error', reject);
			child.on('close', code => resolve(code ?? 1));
		});
		await read;
		return {exitCode, lines};
	} finally {
		varFile?.stop();
	}
}
