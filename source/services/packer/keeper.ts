import {spawn} from 'node:child_process';
import {createWriteStream, readFileSync, type WriteStream} from 'node:fs';
import os from 'node:os';
import type {Readable} from 'node:stream';
import {replaceFileSync} from '../../core/atomic-file';
import {readLines} from './machine-readable';
import {packerProcess, type PackerProcess} from './orphan';
import {PackerOutput} from './output';
import {createScrubber} from './scrubber';
import {serveVarFile, withVarFile} from './var-file';
import type {StateHandOff} from '../../core/state-location';
import {shareKeeperFiles} from './keeper-share';

/** What the keeper is told through its stdin (never its argv: this holds the secrets). */
export interface KeeperConfig {
	packer: string;
	args: string[];
	environment: Record<string, string>;
	cwd?: string;
	/** The run's Packer log: scrubbed, human-readable, appended to. */
	logPath: string;
	/** This attempt's scrubbed machine-readable output, which the CLI follows. */
	outPath: string;
	recordPath: string;
	/** Values scrubbed from every line. */
	secrets: string[];
	varFile?: {dir: string; values: Record<string, string>};
	/** A shared state (S3): the record, the log and the output are sent there at every save. */
	share?: StateHandOff;
}

/** The keeper's account of one attempt, replaced atomically at every change; never holds a secret. */
export interface KeeperRecord {
	keeper: PackerProcess;
	/** Where the keeper runs, and when it last said it does (renewed every KEEPER_HEARTBEAT_MS): another machine reads both. */
	host?: string;
	heartbeat?: string;
	packer?: PackerProcess;
	state: 'starting' | 'running' | 'ended';
	/** Packer's exit code once it ended. */
	exitCode?: number;
	/** Packer could not be started (`ENOENT` when the binary does not exist). */
	startError?: {code?: string; message: string};
	/** Region → AMI id, from the `artifact,N,id` lines. */
	amiIds: Record<string, string>;
	/** The AMI Packer said it was creating (`AMI: ami-…`), finished or not. */
	createdAmi?: string;
	cancelled: boolean;
	errors: string[];
	/** The keeper could not write the log, the output or the record (a full disk): it read Packer to its end regardless. */
	writeError?: string;
}

export function readKeeperRecord(recordPath: string): KeeperRecord | undefined {
	try {
		return JSON.parse(readFileSync(recordPath, 'utf8')) as KeeperRecord;
	} catch {
		return undefined;
	}
}

function readAll(stream: Readable): Promise<string> {
	return new Promise((resolve, reject) => {
		let text = '';
		stream.setEncoding('utf8');
		stream.on('data', (chunk: string) => (text += chunk));
		stream.on('end', () => resolve(text));
		stream.on('error', reject);
	});
}

function closed(stream: WriteStream): Promise<void> {
	return new Promise(resolve => {
		stream.on('error', () => resolve());
		stream.end(() => resolve());
	});
}

const STRAY_GRACE_MS = 1000;
const KEEPER_HEARTBEAT_MS = 10_000;
/** A keeper on another host silent this long is gone (its machine stopped): its build is no longer followed there. */
const KEEPER_SILENT_MS = 60_000;

/** A keeper on another machine, by its record: 'running' while it still renews its heartbeat, else 'gone'; undefined when it ran here or ended. */
export function keeperElsewhere(record: KeeperRecord, now: number): 'running' | 'gone' | undefined {
	if (record.state === 'ended' || !record.host || record.host === os.hostname()) return undefined;
	return record.heartbeat && now - Date.parse(record.heartbeat) < KEEPER_SILENT_MS ? 'running' : 'gone';
}

/**
 * The keeper: a detached process that runs one `packer build` and owns its output pipes, so that
 * the build neither blocks on an unread pipe nor dies of SIGPIPE when the CLI is killed. Every line
 * is scrubbed into the log and the attempt's output file; the record says where Packer stands.
 * It ignores SIGINT and SIGHUP (Ctrl-C is for Packer's own process group) and ends after Packer.
 */
export async function runKeeper(input: Readable): Promise<number> {
	const config = JSON.parse(await readAll(input)) as KeeperConfig;
	// Packer must never inherit the keeper's own environment (the shell's credentials, no build secrets).
	if (typeof config.environment !== 'object' || config.environment === null)
		throw new Error(
			'The keeper was handed no environment for Packer (a convox-ami of another version started it?): Packer was not started.',
		);
	process.on('SIGINT', () => {});
	process.on('SIGHUP', () => {});
	const record: KeeperRecord = {
		keeper: packerProcess(process.pid) ?? {pid: process.pid, startedAt: ''},
		host: os.hostname(),
		state: 'starting',
		amiIds: {},
		cancelled: false,
		errors: [],
	};
	const failed = (what: string, error: Error) => {
		record.writeError ??= `Could not write ${what}: ${error.message}`;
	};
	// A record that cannot be written must not stop the keeper: Packer would die of SIGPIPE, without clean-up.
	// The record goes last: once the state's record says the build ended, its log and output are there whole.
	const share = config.share && shareKeeperFiles(config.share, [config.logPath, config.outPath, config.recordPath]);
	const save = () => {
		record.heartbeat = new Date().toISOString();
		try {
			replaceFileSync(config.recordPath, `${JSON.stringify(record)}\n`, 0o600);
		} catch (error) {
			failed(config.recordPath, error as Error);
		}
		share?.send();
	};
	save();
	const heartbeat = setInterval(save, KEEPER_HEARTBEAT_MS);
	heartbeat.unref();
	const varFile = config.varFile ? serveVarFile(config.varFile.dir, config.varFile.values) : undefined;
	const args = withVarFile(config.args, varFile && `-var-file=${varFile.path}`);
	const scrub = createScrubber(config.secrets);
	const out = createWriteStream(config.outPath, {flags: 'w', mode: 0o600});
	const log = createWriteStream(config.logPath, {flags: 'a', mode: 0o600});
	let streams: Readable[] = [];
	const resume = () => {
		if (!out.writableNeedDrain && !log.writableNeedDrain) for (const stream of streams) stream.resume();
	};
	for (const [stream, file] of [
		[out, config.outPath],
		[log, config.logPath],
	] as const) {
		stream.on('drain', resume);
		// A full disk: Packer's output is still read to its end (else Packer blocks), only not kept.
		stream.on('error', error => {
			failed(file, error);
			resume();
		});
	}
	const writable = (stream: WriteStream) => !stream.destroyed && !stream.errored;
	const output = new PackerOutput(scrub, undefined, line => {
		if (writable(log)) log.write(`${line}\n`);
	});
	const child = spawn(config.packer, args, {cwd: config.cwd, env: config.environment, stdio: ['ignore', 'pipe', 'pipe'], detached: true});
	const started = await new Promise<Error | undefined>(resolve => {
		child.once('spawn', () => resolve(undefined));
		child.once('error', resolve);
	});
	if (started) {
		varFile?.stop();
		await Promise.all([closed(out), closed(log)]);
		record.state = 'ended';
		record.startError = {
			message: started.message,
			...((started as NodeJS.ErrnoException).code ? {code: (started as NodeJS.ErrnoException).code} : {}),
		};
		clearInterval(heartbeat);
		save();
		await share?.drained();
		return 1;
	}
	// A Packer that already exited has no start time left to read: it is recorded as not running.
	record.packer = packerProcess(child.pid) ?? {pid: child.pid!, startedAt: ''};
	record.state = 'running';
	save();
	const exited = new Promise<number>(resolve =>
		child.on('exit', (code, signal) =>
			resolve(code ?? (signal === 'SIGKILL' ? 137 : signal === 'SIGTERM' ? 143 : signal === 'SIGINT' ? 130 : 1)),
		),
	);
	streams = [child.stdout, child.stderr];
	let lastFound = '';
	const onLine = (line: string) => {
		if (writable(out)) out.write(`${scrub(line)}\n`);
		output.push(line);
		// Backpressure: a slow disk pauses Packer's pipes rather than buffering its output in memory.
		if (out.writableNeedDrain || log.writableNeedDrain) for (const stream of streams) stream.pause();
		const found = JSON.stringify([output.amiIds, output.tracker.created.ami]);
		if (found !== lastFound) {
			lastFound = found;
			record.amiIds = {...output.amiIds};
			if (output.tracker.created.ami) record.createdAmi = output.tracker.created.ami;
			save();
		}
	};
	const read = readLines(streams, onLine);
	const exitCode = await exited;
	varFile?.stop();
	// A stray grandchild may hold Packer's pipes open after it exited: stop reading once it is quiet.
	let ended = false;
	void read.then(() => (ended = true));
	while (!ended) {
		const before = out.bytesWritten + out.writableLength;
		await Promise.race([read, new Promise(resolve => setTimeout(resolve, STRAY_GRACE_MS))]);
		if (!ended && out.bytesWritten + out.writableLength === before && !streams.some(stream => stream.isPaused())) break;
	}
	for (const stream of streams) stream.destroy();
	await Promise.all([closed(out), closed(log)]);
	record.state = 'ended';
	record.exitCode = exitCode;
	record.amiIds = {...output.amiIds};
	record.cancelled = output.cancelled;
	record.errors = exitCode === 0 ? [] : output.failureLines();
	clearInterval(heartbeat);
	save();
	await share?.drained();
	return 0;
}
