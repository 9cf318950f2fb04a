import {readFileSync} from 'node:fs';

/** A zombie has exited and only waits for its parent to reap it; signal 0 still reaches it. */
function isZombie(pid: number): boolean {
	let stat: string;
	try {
		stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return false;
	}
	// The command name (field 2) is in parentheses and may hold spaces: the state follows it.
	return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** Whether process `pid` of this host still runs (a zombie, which only waits to be reaped, does not). */
export function processIsAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
	return !isZombie(pid);
}
