import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createCliWorld, runCli, type CliWorld} from '../support/cli-env';
import {PROMPT_READY} from '../support/ink-prompt';
import {runInPty} from '../support/pty';

let world: CliWorld | undefined;
afterEach(async () => world?.close());

describe('the wizard in a real terminal', () => {
	it('asks the account, resolves the version on screen, stops on Ctrl-C with 130 and resumes', async () => {
		world = await createCliWorld();
		const env = {...world.env};
		delete env.CI;
		const session = runInPty(['--dry-run'], {cwd: world.dir, env});
		await session.waitFor('Which account?');
		expect(session.screen()).toContain('111111111111 · convox-dev');
		await session.waitFor(PROMPT_READY);
		session.write('\r');
		// Ink redraws the live area in pieces: each fact is waited for rather than read off one frame.
		await session.waitFor('Base AMI for us-east-1: ami-6bb2d67c');
		await session.waitFor('DRY RUN');
		await session.waitFor('Signed in as arn:aws:sts::111111111111:assumed-role/Admin/operator');
		await session.waitFor(/✔ Account/);
		session.write('\u0003');
		const stop = setInterval(() => {
			if (/Cancel|\(Y\/n\)|\(y\/N\)/.test(session.screen())) session.write('y');
		}, 200);
		const code = await Promise.race([
			session.exited,
			new Promise<number>((_resolve, reject) => setTimeout(() => reject(new Error(`no exit; screen:\n${session.screen()}`)), 15_000)),
		]);
		clearInterval(stop);
		expect(code).toBe(130);
		expect(session.screen()).toContain('convox-ami resume');

		const runs = await runCli(['runs', '--json'], {cwd: world.dir, env: world.env});
		const [summary] = runs.events;
		expect(summary).toMatchObject({
			type: 'run-summary',
			env: 'dev',
			status: 'interrupted',
			mode: 'dry-run',
			convoxVersion: '20160916121812',
		});
		const journal = JSON.parse(await readFile(path.join(world.stateDir, 'runs', `${String(summary?.id)}.json`), 'utf8'));
		expect(journal.steps[1]).toMatchObject({id: 'resolve-version', status: 'done'});

		const resumed = await runCli(['resume', '--json', '--yes'], {cwd: world.dir, env: world.env});
		expect(resumed.events[0]).toMatchObject({type: 'run', status: 'resumed', runId: summary?.id});
		expect(resumed.events.filter(event => event.type === 'step' && event.step === 'account')).toEqual([]);
	});
});
