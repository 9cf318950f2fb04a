import {execa} from 'execa';
import {excerpt} from './outcome';

export interface ConvoxResult {
	exitCode: number;
	stdout: string;
	/** Why the command could not run or failed, for the check's detail; empty on success. */
	problem: string;
}

/** Runs the Convox CLI with `--rack NAME` when a rack is named; never throws for a failing command. */
export async function runConvox(
	binary: string,
	args: string[],
	options: {rack?: string; environment: NodeJS.ProcessEnv; signal?: AbortSignal; timeoutMs?: number},
): Promise<ConvoxResult> {
	const command = [...args, ...(options.rack ? ['--rack', options.rack] : [])];
	const shown = `convox ${command.join(' ')}`;
	const result = await execa(binary, command, {
		env: options.environment,
		reject: false,
		stdin: 'ignore',
		cancelSignal: options.signal,
		timeout: options.timeoutMs ?? 60_000,
	});
	options.signal?.throwIfAborted();
	if (result.failed && (result.exitCode === undefined || result.timedOut)) {
		const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
		const why =
			code === 'ENOENT'
				? `${binary} not found (install the Convox CLI on PATH or set binaries.convox in the config)`
				: result.timedOut
					? 'timed out'
					: result.shortMessage;
		return {exitCode: -1, stdout: '', problem: `${shown}: ${why}`};
	}
	const exitCode = result.exitCode ?? -1;
	const problem = exitCode === 0 ? '' : `${shown} exited ${exitCode}: ${excerpt(`${result.stderr}\n${result.stdout}`) || 'no output'}`;
	return {exitCode, stdout: result.stdout, problem};
}

/** `Key   value` lines as the Convox CLI prints them (`convox rack`, `convox apps info`). */
export function parseKeyValues(stdout: string): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const line of stdout.split(/\r?\n/)) {
		const match = /^([A-Z][A-Za-z ]*?)\s{2,}(.*)$/.exec(line.trimEnd()) ?? /^([A-Z]\w*)\s+(.*)$/.exec(line.trimEnd());
		if (match) fields[match[1]!] = match[2]!.trim();
	}
	return fields;
}
