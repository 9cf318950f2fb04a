import {afterEach, describe, expect, it} from 'vitest';
import {createCliWorld, runCli, type CliWorld} from '../support/cli-env';
import {PROMPT_READY} from '../support/ink-prompt';
import {runInPty} from '../support/pty';

let world: CliWorld | undefined;
afterEach(async () => world?.close());

/** Ink draws each of its frames in synchronized output. */
const INK_FRAME = '\u001B[?2026h';

/** The CLI in a real terminal, as an operator starts it (CI unset), in a fresh world. */
async function interactive(args: string[], cols?: number) {
	const started = await createCliWorld();
	world = started;
	const env = {...started.env};
	delete env.CI;
	return {world: started, session: runInPty(args, {cwd: started.dir, env, ...(cols ? {cols} : {})})};
}

describe('the first frame in a real terminal', () => {
	it('shows the header with its badges before Ink draws, and Ink draws over it: one header on the screen', async () => {
		const {session} = await interactive(['--dry-run']);
		try {
			await session.waitFor(PROMPT_READY);
			const raw = session.output();
			const beforeInk = raw.slice(0, raw.indexOf(INK_FRAME));
			expect(raw.indexOf(INK_FRAME)).toBeGreaterThan(0);
			expect(beforeInk).toContain('convox-ami');
			expect(beforeInk).toContain(' DRY RUN ');
			const screen = session.screen();
			expect(screen.match(/convox-ami/g)).toHaveLength(1);
			expect(screen.match(/DRY RUN/g)).toHaveLength(1);
			expect(screen.split('\n').slice(0, 2)).toEqual(['', expect.stringMatching(/^convox-ami +DRY RUN $/)]);
		} finally {
			session.kill('SIGKILL');
			await session.exited;
		}
	});

	it('shows the account question in the first frame; it takes keys only once Ink asks it, and Ink draws it in the same place', async () => {
		const {session, world: started} = await interactive([]);
		try {
			await session.waitFor('Which account?');
			const beforeInk = session.output().split(INK_FRAME)[0]!;
			expect(beforeInk).toContain('Which account?');
			expect(beforeInk).toContain('111111111111 · convox-dev');
			expect(beforeInk).not.toContain('Enter answer');
			// Enter pressed on the first frame's question answers nothing: the run asks it again, and only that takes keys.
			session.write('\r');
			await session.waitFor(PROMPT_READY);
			const screen = session.screen();
			expect(screen.match(/Which account\?/g)).toHaveLength(1);
			expect(screen.match(/convox-ami/g)).toHaveLength(1);
			expect(screen.split('\n').slice(0, 3)).toEqual(['', expect.stringMatching(/^convox-ami *$/), expect.stringMatching(/^╭─+╮$/)]);
			const runs = await runCli(['runs', '--json'], {cwd: started.dir, env: started.env});
			expect(runs.events.filter(event => event.type === 'run-summary')).toEqual([]);
		} finally {
			session.kill('SIGKILL');
			await session.exited;
		}
	});

	it('a Ctrl-C while the first frame’s question waits for Ink stops the run with 130, before any question takes keys', async () => {
		const {session} = await interactive([]);
		await session.waitFor('Which account?');
		session.write('\u0003');
		expect(await session.exited).toBe(130);
		expect(session.output()).not.toContain('Enter answer');
	});

	it('clears all of a header that wrapped on a narrow terminal', async () => {
		const {session} = await interactive(['--dry-run', '--rehearse'], 24);
		try {
			await session.waitFor('Which account');
			expect(session.output().indexOf(INK_FRAME)).toBeGreaterThan(session.output().indexOf('REHEARSAL'));
			// The first frame's header wraps as the terminal cuts it; Ink's lays its words out in columns.
			expect(session.screen()).not.toContain('convox-ami');
			expect(session.screen().match(/^convox- /gm)).toHaveLength(1);
			// Ink's frame starts where the first frame started: one blank line above its header.
			expect(session.screen().split('\n').slice(0, 2)).toEqual(['', expect.stringMatching(/^convox- /)]);
		} finally {
			session.kill('SIGKILL');
			await session.exited;
		}
	});
});
