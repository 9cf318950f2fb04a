import {spawn, type IPty} from '@lydell/node-pty';
import xterm from '@xterm/headless';

export interface PtySession {
	/** What the terminal shows now, line by line, trailing blanks trimmed. */
	screen(): string;
	/** Everything the program wrote, as raw text. */
	output(): string;
	write(data: string): void;
	waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
	exited: Promise<number>;
	pid: number;
	kill(signal?: string): void;
}

export const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

const SYNC_START = '\u001B[?2026h';
const SYNC_END = '\u001B[?2026l';

/** Runs the built CLI in a real pseudo-terminal and reads its screen with a headless xterm. */
export function runInPty(
	args: string[],
	{cwd, env, cols = 100, rows = 40}: {cwd: string; env: NodeJS.ProcessEnv; cols?: number; rows?: number},
): PtySession {
	const terminal = new xterm.Terminal({cols, rows, allowProposedApi: true, scrollback: 5000});
	let raw = '';
	const child: IPty = spawn(process.execPath, [CLI, ...args], {
		name: 'xterm-256color',
		cols,
		rows,
		cwd,
		env: {...env, TERM: 'xterm-256color'} as Record<string, string>,
	});
	// Ink draws each frame between the synchronized-output marks; a frame still arriving is held
	// back, so the screen is never read half redrawn.
	let pending = '';
	child.onData(data => {
		raw += data;
		pending += data;
		const opened = pending.lastIndexOf(SYNC_START);
		const complete = opened === -1 || pending.indexOf(SYNC_END, opened) !== -1;
		const ready = complete ? pending.length : opened;
		terminal.write(pending.slice(0, ready));
		pending = pending.slice(ready);
	});
	const exited = new Promise<number>(resolve => child.onExit(({exitCode}) => resolve(exitCode)));
	const screen = () => {
		const buffer = terminal.buffer.active;
		const lines: string[] = [];
		for (let index = 0; index < buffer.length; index++) lines.push(buffer.getLine(index)?.translateToString(true) ?? '');
		return lines.join('\n').replace(/\n+$/, '');
	};
	return {
		screen,
		output: () => raw,
		write: data => child.write(data),
		pid: child.pid,
		kill: signal => child.kill(signal),
		exited,
		async waitFor(pattern, timeoutMs = 15_000) {
			const deadline = Date.now() + timeoutMs;
			const matches = () => (typeof pattern === 'string' ? screen().includes(pattern) : pattern.test(screen()));
			while (Date.now() < deadline) {
				await new Promise(resolve => setTimeout(resolve, 50));
				if (matches()) return screen();
			}
			throw new Error(`Timed out waiting for ${String(pattern)}. Screen:\n${screen()}`);
		},
	};
}
