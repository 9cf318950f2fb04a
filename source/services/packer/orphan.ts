import {readFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {PhaseTracker, type BuildResources} from './phases';

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

/** True while the recorded process still runs: same pid, same start time, and a packer command line. */
export function isRunning(recorded: PackerProcess): boolean {
	if (startTimeOf(recorded.pid) !== recorded.startedAt) return false;
	const cmdline = readProc(recorded.pid, 'cmdline') ?? '';
	return cmdline.replaceAll('\0', ' ').includes('packer');
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

const LOG_STAMP = /^\S+Z /;

/**
 * What the last build in a Packer log created and had not removed, read back from the log that
 * `runPackerBuild` writes (one `# …` header per attempt, then `<time> <message>` lines).
 */
export async function leftBehindInLog(logPath: string): Promise<BuildResources> {
	const text = await readFile(logPath, 'utf8').catch(() => '');
	const lines = text.split('\n');
	const start = lines.findLastIndex(line => line.startsWith('# '));
	const tracker = new PhaseTracker();
	for (const line of lines.slice(start + 1)) tracker.observe('say', line.replace(LOG_STAMP, ''));
	return tracker.leftBehind();
}
