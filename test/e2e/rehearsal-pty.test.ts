import {mkdtempSync, readFileSync, readdirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {rehearsalEnv} from '../support/cli-env';
import {PROMPT_READY} from '../support/ink-prompt';
import {runInPty, type PtySession} from '../support/pty';

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

/**
 * The key an operator presses at a prompt of a rehearsal: y to confirm; the manual check and the
 * promotion start with nothing chosen, so a letter chooses (y: Yes, p: Promote); Enter otherwise.
 */
function keyFor(prompt: string): string {
	const nothingChosen = /Yes {2}confirmed|Promote to/.test(prompt) && !prompt.includes('❯');
	if (/y\/N|Y\/n/.test(prompt) || (nothingChosen && prompt.includes('Yes'))) return 'y';
	return nothingChosen ? 'p' : '\r';
}

/** Answers each prompt once, when it says under its box that it takes keys, until the CLI exits. */
async function answerUntilExit(session: PtySession, key: (prompt: string) => string): Promise<number> {
	let answered = '';
	const answer = setInterval(() => {
		const screen = session.screen();
		const prompt = screen.slice(screen.lastIndexOf('╭'));
		if (!screen.includes('╭') || !prompt.includes(PROMPT_READY) || prompt === answered) return;
		answered = prompt;
		session.write(key(prompt));
	}, 150);
	const timeout = new Promise<number>((_resolve, reject) =>
		setTimeout(() => reject(new Error(`no exit; screen:\n${session.screen().split('\n').slice(-14).join('\n')}`)), 90_000),
	);
	return await Promise.race([session.exited, timeout]).finally(() => clearInterval(answer));
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

	it('an Enter typed while the manual logs question is about to be drawn does not confirm the check', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-rehearse-stray-'));
		// Without the Search Job API the logs check is the operator's question.
		const env = rehearsalEnv(cwd, {CONVOX_AMI_REHEARSAL_LOGS: 'manual'});
		const session = runInPty(['release', '--rehearse', '--env', 'dev'], {cwd, env, rows: 50});
		try {
			const question = 'Logs reach SumoLogic';
			// The change set is executed ('y'), then the checklist starts.
			const confirm = setInterval(() => {
				const prompt = session.screen().slice(session.screen().lastIndexOf('╭'));
				if (prompt.includes(PROMPT_READY) && /y\/N|Y\/n/.test(prompt)) session.write('y');
			}, 300);
			await session.waitFor(/\d+ checks:/, 60_000).finally(() => clearInterval(confirm));
			// Enter, again and again, from the start of the checklist until the question shows.
			const deadline = Date.now() + 30_000;
			while (!session.screen().includes(`${question}:`)) {
				expect(Date.now(), session.screen()).toBeLessThan(deadline);
				session.write('\r');
				await new Promise(resolve => setTimeout(resolve, 20));
			}
			const ready = await session.waitFor(new RegExp(`${question}:[^]*${PROMPT_READY}`), 10_000);
			expect(ready.slice(ready.lastIndexOf('╭'))).not.toContain('❯');
			await new Promise(resolve => setTimeout(resolve, 500));
			expect(session.screen()).toContain(`${question}:`);

			// Chosen on purpose, it is answered.
			session.write('n');
			await session.waitFor(/❯ No/);
			session.write('\r');
			// Failed, it is offered the follow-ups of a failed check.
			await session.waitFor('Leave it failed', 20_000);
		} finally {
			session.kill('SIGKILL');
			await session.exited;
		}
		const runsDir = path.join(cwd, '.convox-ami', 'runs');
		const [run] = readdirSync(runsDir)
			.filter(name => /^\d{8}-\d{6}-\w+-\w{4}\.json$/.test(name))
			.map(name => JSON.parse(readFileSync(path.join(runsDir, name), 'utf8')));
		expect(run.checks.find((check: {id: string}) => check.id === 'logs')).toMatchObject({status: 'fail'});
	}, 120_000);

	it('on a 24-row terminal, the finished checklist keeps the last line of the operator-confirmed check', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-rehearse-rows-'));
		const env = rehearsalEnv(cwd, {CONVOX_AMI_REHEARSAL_LOGS: 'manual'});
		// The question's frame fills the terminal; the frames after it shrink below its height.
		const session = runInPty(['release', '--rehearse', '--env', 'dev'], {cwd, env, rows: 24});
		const code = await answerUntilExit(session, keyFor);
		expect(code, session.screen()).toBe(0);
		expect(session.screen()).toMatch(/Logs reach SumoLogic logs · manual · [^\n]+\n +confirmed by the operator\n/);
	}, 120_000);

	it('completes a whole dev → prod rehearsal in a real terminal with only Enter, y and p pressed', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-rehearse-'));
		const env = rehearsalEnv(cwd);
		const session = runInPty(['--rehearse'], {cwd, env, rows: 50});
		const keys: string[] = [];
		const code = await answerUntilExit(session, prompt => {
			const key = keyFor(prompt);
			keys.push(key === '\r' ? 'Enter' : key);
			return key;
		});
		expect(code).toBe(0);
		expect(new Set(keys)).toEqual(new Set(['Enter', 'y', 'p']));
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
