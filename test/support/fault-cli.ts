import {spawn} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {CLI} from './pty';

export interface CliEvent {
	type: string;
	[key: string]: unknown;
}

export interface CliOutcome {
	events: CliEvent[];
	exitCode: number | null;
	signal: NodeJS.Signals | null;
	stderr: string;
	/** The kill point was reached and the process (or its whole tree) was killed there. */
	killed: boolean;
	/** With `tree: false`: the processes the CLI had started, left running when it was killed. */
	orphans: number[];
}

/**
 * Decides, after each NDJSON event of the child, whether to kill it now; a promise holds the decision
 * (later events are not looked at) until the world outside the child is as wanted.
 */
export type KillWhen = (event: CliEvent, seen: readonly CliEvent[]) => boolean | Promise<boolean>;

/** A rehearsal with every clock turned down: a whole dev release takes a few seconds. */
export function faultEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return {
		...process.env,
		CI: 'true',
		AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
		// The kill points mid-build count the lines of the recorded amazon-ebs build.
		CONVOX_AMI_REHEARSAL_PACKER: 'replay',
		CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '1',
		CONVOX_AMI_REHEARSAL_TICK_MS: '20',
		CONVOX_AMI_PROBE_TIMEOUT: '20',
		CONVOX_AMI_STACK_POLL_MS: '250',
		...overrides,
	};
}

function parentOf(pid: string): number | undefined {
	try {
		// The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
	} catch {
		return undefined;
	}
}

function descendantsOf(root: number): number[] {
	const children = new Map<number, number[]>();
	for (const name of readdirSync('/proc').filter(entry => /^\d+$/.test(entry))) {
		const parent = parentOf(name);
		if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
	}
	const found: number[] = [];
	const queue = [root];
	while (queue.length > 0) {
		for (const child of children.get(queue.shift()!) ?? []) {
			found.push(child);
			queue.push(child);
		}
	}
	return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
	try {
		process.kill(pid, name);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
	}
}

/**
 * SIGKILL for the CLI and everything it started (Packer runs in its own process group, so a group
 * kill would miss it): the CLI is frozen first so that it cannot start a child while its tree is read.
 */
function killTree(pid: number): void {
	signal(pid, 'SIGSTOP');
	const tree = descendantsOf(pid);
	for (const child of tree) signal(child, 'SIGSTOP');
	for (const target of [pid, ...tree]) signal(target, 'SIGKILL');
}

/** The CLI alone dies, as with `kill -9 PID` or the OOM killer: Packer, in its own process group, is orphaned. */
function killAlone(pid: number): number[] {
	signal(pid, 'SIGSTOP');
	const orphans = descendantsOf(pid);
	signal(pid, 'SIGKILL');
	return orphans;
}

/** Running or stopped; a zombie (exited, not yet reaped by its new parent) counts as gone. */
export function isAlive(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		return false;
	}
}

/** Waits until none of `pids` runs any more; gives back those still running at the deadline. */
export async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number[]> {
	const deadline = Date.now() + timeoutMs;
	let alive = pids.filter(isAlive);
	while (alive.length > 0 && Date.now() < deadline) {
		await new Promise(resolve => setTimeout(resolve, 100));
		alive = alive.filter(isAlive);
	}
	return alive;
}

/**
 * Runs the built CLI with NDJSON output; with `killWhen`, kills it with SIGKILL right after the first
 * event that matches: its whole tree (as when the machine stops), or with `tree: false` the CLI alone.
 */
export function runCliUntil(
	args: string[],
	{env, killWhen, tree = true}: {env: NodeJS.ProcessEnv; killWhen?: KillWhen; tree?: boolean},
): Promise<CliOutcome> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [CLI, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
		const events: CliEvent[] = [];
		let stderr = '';
		let killed = false;
		let holding = false;
		let orphans: number[] = [];
		const kill = () => {
			if (killed || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
			killed = true;
			if (tree) killTree(child.pid);
			else orphans = killAlone(child.pid);
		};
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
			stderr += chunk;
		});
		const lines = createInterface({input: child.stdout});
		lines.on('line', line => {
			let event: CliEvent;
			try {
				event = JSON.parse(line) as CliEvent;
			} catch {
				event = {type: 'unparsed', line};
			}
			if (killed) return;
			events.push(event);
			if (holding || !killWhen) return;
			const decision = killWhen(event, events);
			if (decision === true) kill();
			else if (decision instanceof Promise) {
				holding = true;
				decision.then(now => {
					holding = false;
					if (now) kill();
				}, reject);
			}
		});
		child.on('error', reject);
		const exited = new Promise<{exitCode: number | null; signal: NodeJS.Signals | null}>(done => {
			child.on('exit', (exitCode, exitSignal) => done({exitCode, signal: exitSignal}));
		});
		const drained = new Promise<void>(done => {
			lines.on('close', done);
		});
		void Promise.all([exited, drained]).then(([{exitCode, signal: exitSignal}]) =>
			resolve({events, exitCode, signal: exitSignal, stderr, killed, orphans}),
		);
	});
}

/** At most `slots` callers at a time: the cases share two cores. */
export function createLimiter(slots: number): <T>(task: () => Promise<T>) => Promise<T> {
	let running = 0;
	const waiting: Array<() => void> = [];
	return async task => {
		if (running >= slots) await new Promise<void>(resolve => waiting.push(resolve));
		running++;
		try {
			return await task();
		} finally {
			running--;
			waiting.shift()?.();
		}
	};
}
