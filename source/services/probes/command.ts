import {execa} from 'execa';
import {excerpt, fail, pass, type ProbeOutcome} from './outcome';
import {formatDuration} from '../../core/format-duration';

/**
 * Runs an operator-configured shell command and judges its exit code. The command gets its own
 * process group so that a timeout or Ctrl-C stops everything it started, not only the shell.
 */
export async function probeCommand(
	command: string,
	expectExitCode: number,
	options: {cwd: string; environment: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal},
): Promise<ProbeOutcome> {
	const started = performance.now();
	const subprocess = execa(command, {
		shell: true,
		detached: true,
		cwd: options.cwd,
		env: options.environment,
		reject: false,
		stdin: 'ignore',
		all: true,
	});
	let timedOut = false;
	const stopGroup = () => {
		try {
			if (subprocess.pid) process.kill(-subprocess.pid, 'SIGKILL');
		} catch {
			// The group has already exited.
		}
	};
	const timer = setTimeout(() => {
		timedOut = true;
		stopGroup();
	}, options.timeoutMs);
	options.signal?.addEventListener('abort', stopGroup, {once: true});
	const result = await subprocess;
	clearTimeout(timer);
	options.signal?.removeEventListener('abort', stopGroup);
	options.signal?.throwIfAborted();
	const took = formatDuration(performance.now() - started);
	const output = excerpt(result.all ?? '');
	const shown = output ? `: ${output}` : '';
	if (timedOut) return fail(`\`${command}\` timed out after ${formatDuration(options.timeoutMs)}${shown}`);
	if (result.exitCode === undefined) return fail(`\`${command}\` could not run: ${result.shortMessage}`);
	const verdict = `\`${command}\` exited ${result.exitCode} in ${took}`;
	if (result.exitCode !== expectExitCode) return fail(`${verdict}, expected ${expectExitCode}${shown}`);
	return pass(`${verdict}${shown}`);
}
