export type Renderer = 'ink' | 'plain' | 'json';

export interface OutputMode {
	renderer: Renderer;
	/** Someone can answer a prompt (a terminal on stdin, not CI, not --yes). */
	canPrompt: boolean;
}

interface Streams {
	stdin: {isTTY?: boolean};
	stdout: {isTTY?: boolean};
	stderr: {isTTY?: boolean};
}

function isCi(environment: NodeJS.ProcessEnv): boolean {
	const value = environment.CI;
	return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

export function detectOutputMode(
	{json, yes}: {json: boolean; yes: boolean},
	environment: NodeJS.ProcessEnv,
	streams: Streams = process,
): OutputMode {
	const ci = isCi(environment);
	const terminal = Boolean(streams.stdin.isTTY && streams.stdout.isTTY) && !ci;
	const renderer: Renderer = json ? 'json' : terminal ? 'ink' : 'plain';
	const canPrompt = !yes && !ci && Boolean(streams.stdin.isTTY) && (renderer === 'ink' || Boolean(streams.stderr.isTTY));
	return {renderer, canPrompt};
}
