import type {CommandConsole} from '../../source/core/command-input';

/** A command's console that keeps what it printed (stdout) and warned (stderr), each as the process would have written it. */
export function recordingConsole(): CommandConsole & {stdout: string; stderr: string} {
	const streams = {stdout: '', stderr: ''};
	return Object.assign(streams, {
		print: (text: string) => void (streams.stdout += text),
		warn: (line: string) => void (streams.stderr += `${line}\n`),
	});
}
