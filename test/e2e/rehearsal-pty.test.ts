import {mkdtempSync, readFileSync, readdirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runInPty} from '../support/pty';

/** The frames Ink drew, in order: each between the synchronized-output marks, escape sequences removed. */
function framesOf(raw: string): string[] {
	return (
		raw
			.split('\u001B[?2026l')
			// eslint-disable-next-line no-control-regex -- terminal escape sequences are what this strips
			.map(frame => frame.replaceAll(/\u001B\][^\u0007]*\u0007|\u001B\[[0-9;?]*[A-Za-z]/g, ''))
			.filter(frame => frame.trim() !== '')
	);
}

describe('npx convox-ami --rehearse', () => {
	it('shows the REHEARSAL badge from the first frame on, the account prompt included', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-rehearse-badge-'));
		const session = runInPty(['--rehearse'], {cwd, env: {PATH: process.env.PATH, HOME: cwd, LANG: 'C.UTF-8'}, rows: 30});
		try {
			await session.waitFor('Which account?', 30_000);
			const frames = framesOf(session.output());
			const prompt = frames.find(frame => frame.includes('Which account?'));
			expect(prompt, 'a frame with the account prompt').toBeDefined();
			expect(prompt).toContain(' REHEARSAL ');
			expect(frames[0], 'the very first frame').toContain(' REHEARSAL ');
			expect(
				frames.every(frame => frame.includes(' REHEARSAL ')),
				'no frame without the badge',
			).toBe(true);
		} finally {
			session.write('\u0003');
			await session.exited;
		}
	}, 60_000);

	it('completes a whole dev → prod rehearsal in a real terminal with only Enter and y pressed', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-rehearse-'));
		const env: NodeJS.ProcessEnv = {
			PATH: process.env.PATH,
			HOME: cwd,
			LANG: 'C.UTF-8',
			CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '1',
			CONVOX_AMI_REHEARSAL_TICK_MS: '20',
		};
		const session = runInPty(['--rehearse'], {cwd, env, rows: 50});
		const keys: string[] = [];
		let answered = '';
		const answer = setInterval(() => {
			const screen = session.screen();
			const prompt = screen.slice(screen.lastIndexOf('╭'));
			if (!screen.includes('╭') || prompt === answered) return;
			answered = prompt;
			const key = /y\/N|Y\/n/.test(prompt) ? 'y' : '\r';
			keys.push(key === 'y' ? 'y' : 'Enter');
			session.write(key);
		}, 150);
		const code = await Promise.race([
			session.exited,
			new Promise<number>((_resolve, reject) => setTimeout(() => reject(new Error(`no exit; screen:\n${session.screen()}`)), 90_000)),
		]);
		clearInterval(answer);
		expect(code).toBe(0);
		expect(new Set(keys)).toEqual(new Set(['Enter', 'y']));
		const screen = session.screen();
		expect(screen).toContain('PRODUCTION');
		expect(screen).toContain('REHEARSAL');
		expect(screen).toContain('✔ Finished');

		const runsDir = path.join(cwd, '.convox-ami', 'runs');
		const runs = readdirSync(runsDir)
			.filter(name => /^\d{8}-\d{6}-\w+-\w{4}\.json$/.test(name))
			.map(name => JSON.parse(readFileSync(path.join(runsDir, name), 'utf8')));
		expect(runs.map(run => [run.env, run.status, run.mode]).sort()).toEqual([
			['dev', 'finished', 'rehearsal'],
			['prod', 'finished', 'rehearsal'],
		]);
		const [dev, prod] = ['dev', 'prod'].map(env => runs.find(run => run.env === env));
		expect(prod.releaseId).toBe(dev.id);
		const version = (run: {steps: Array<{id: string; outputs: Record<string, unknown>}>}) =>
			run.steps.find(step => step.id === 'resolve-version')?.outputs;
		expect(version(prod)).toMatchObject({convoxVersion: version(dev)?.convoxVersion, sourceAmi: version(dev)?.sourceAmi});
	}, 120_000);
});
