import {readFileSync} from 'node:fs';

/** A Packer process as the journal records it: the pid alone could be reused by another process. */
export interface PackerProcess {
	pid: number;
	/** Field 22 of /proc/<pid>/stat: clock ticks since boot at which the process started. */
	startedAt: string;
}

function readProc(pid: number, file: string): string | undefined {
	try {
		return readFileSync(`/proc/${pid}/${file}`, 'utf8');
	} catch {
		return undefined;
	}
}

/** The start time of a live process, or undefined when it is gone (or there is no /proc). */
function startTimeOf(pid: number): string | undefined {
	const stat = readProc(pid, 'stat');
	if (!stat) return undefined;
	// The command name (field 2) is in parentheses and may hold spaces: split after it, from field 3 (state).
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	if (fields[0] === 'Z') return undefined;
	return fields[22 - 3];
}

export function packerProcess(pid: number | undefined): PackerProcess | undefined {
	if (!pid) return undefined;
	const startedAt = startTimeOf(pid);
	return startedAt ? {pid, startedAt} : undefined;
}

/** True while the recorded process still runs: same pid, same start time, and `name` in its command line. */
export function isRunning(recorded: PackerProcess, name = 'packer'): boolean {
	if (startTimeOf(recorded.pid) !== recorded.startedAt) return false;
	const cmdline = readProc(recorded.pid, 'cmdline') ?? '';
	return cmdline.replaceAll('\0', ' ').includes(name);
}

/** Signals the process group the build was started in (Packer runs detached: its pid leads the group). */
export function signalPackerGroup(recorded: PackerProcess, signal: NodeJS.Signals): void {
	if (!isRunning(recorded)) return;
	try {
		process.kill(-recorded.pid, signal);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
	}
}
