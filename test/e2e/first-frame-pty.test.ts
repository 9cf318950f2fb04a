import {afterEach, describe, expect, it} from 'vitest';
import {createCliWorld, type CliWorld} from '../support/cli-env';
import {runInPty} from '../support/pty';

let world: CliWorld | undefined;
afterEach(async () => world?.close());

/** Ink draws each of its frames in synchronized output. */
const INK_FRAME = '\u001B[?2026h';

describe('the first frame in a real terminal', () => {
	it('shows the header with its badges before Ink draws, and Ink draws over it: one header on the screen', async () => {
		world = await createCliWorld();
		const env = {...world.env};
		delete env.CI;
		const session = runInPty(['--dry-run'], {cwd: world.dir, env});
		try {
			await session.waitFor('Which account?');
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

	it('clears all of a header that wrapped on a narrow terminal', async () => {
		world = await createCliWorld();
		const env = {...world.env};
		delete env.CI;
		const session = runInPty(['--dry-run', '--rehearse'], {cwd: world.dir, env, cols: 24});
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
