import {readdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createChecklistWorld, type ChecklistWorld} from '../support/checklist-e2e-world';
import {PROMPT_READY} from '../support/ink-prompt';
import {runInPty, type PtySession} from '../support/pty';

const DOWN = '\u001b[B';
const SEED_VERSION = '20160820033210';

let world: ChecklistWorld | undefined;
let session: PtySession | undefined;
afterEach(async () => {
	if (session) {
		session.kill();
		await session.exited;
	}
	session = undefined;
	await world?.close();
	world = undefined;
});

describe('a guided release whose verification fails offers the rollback, in a real terminal', () => {
	it('rolled back to the stock AMI, the rollback skips metrics and logs with the reason and ends with exit 0', async () => {
		world = await createChecklistWorld({released: false});
		// Librato refuses the release's token: its metrics check fails, and with it the verification.
		const env: NodeJS.ProcessEnv = {...world.env, LIBRATO_TOKEN: 'a-token-librato-refuses'};
		delete env.CI;
		session = runInPty(['release', '--env', 'dev', '--confirm', 'sumologic'], {cwd: world.dir, env, rows: 60, cols: 140});
		const answered: string[] = [];
		let last = '';
		let previous = '';
		let busy = false;
		// A failure while answering (the fake rack unwritable) ends the test with its error, not as an unhandled rejection.
		let failAnswering!: (error: unknown) => void;
		const answeringFailed = new Promise<never>((_resolve, reject) => (failAnswering = reject));
		const answerBox = async () => {
			const screen = session!.screen();
			const box = screen.slice(screen.lastIndexOf('╭'));
			// A box is answered once it is drawn whole: the same on two polls in a row (a loaded machine draws in pieces).
			const settled = box === previous;
			previous = box;
			if (busy || !screen.includes('╭') || !box.includes(PROMPT_READY) || box === last || !settled) return;
			busy = true;
			last = box;
			if (box.includes('Instances publish metrics failed')) {
				answered.push('leave metrics failed');
				session!.write(`${DOWN}${DOWN}${DOWN}\r`);
			} else if (box.includes('Verification failed. Put convox-dev back')) {
				answered.push('roll back');
				// The fake convox answers for the rack as the rollback leaves it.
				const rack = world!.env.FAKE_CONVOX_RACK!;
				await writeFile(rack, (await readFile(rack, 'utf8')).replace(/^Version\s+\S+/m, `Version  ${SEED_VERSION}`));
				session!.write('y');
			} else if (/y\/N|Y\/n/.test(box)) {
				answered.push('yes');
				session!.write('y');
			} else {
				answered.push('enter');
				session!.write('\r');
			}
			busy = false;
		};
		const answer = setInterval(() => void answerBox().catch(failAnswering), 200);
		const code = await Promise.race([
			session.exited,
			answeringFailed,
			new Promise<number>((_resolve, reject) => setTimeout(() => reject(new Error(`no exit; screen:\n${session!.screen()}`)), 100_000)),
		]);
		clearInterval(answer);
		const screen = session.screen();
		expect(answered, screen).toContain('leave metrics failed');
		expect(answered).toContain('roll back');
		expect(code, screen).toBe(0);
		expect(screen).toContain('the stock AMI ships no collectd: rolled back to the stock AMI');
		expect(screen).toContain('the stock AMI ships no logspout: rolled back to the stock AMI');

		const runsDir = path.join(world.stateDir, 'runs');
		const runs = await Promise.all(
			(await readdir(runsDir))
				.filter(name => /^\d{8}-\d{6}-dev-\w{4}\.json$/.test(name))
				.map(async name => JSON.parse(await readFile(path.join(runsDir, name), 'utf8'))),
		);
		const release = runs.find(run => run.kind === 'release');
		const rollback = runs.find(run => run.kind === 'rollback');
		expect(release).toMatchObject({status: 'failed'});
		expect(rollback).toMatchObject({status: 'finished', rollbackOf: {runId: release.id, ami: '', version: SEED_VERSION}});
		expect(rollback.checks.map((check: {id: string; status: string}) => [check.id, check.status])).toEqual([
			['rack', 'pass'],
			['instances', 'pass'],
			['hello-world', 'pass'],
			['metrics', 'skipped'],
			['logs', 'skipped'],
		]);
		expect(world.aws.state.parameters('convox-dev')).toMatchObject({Ami: '', Version: SEED_VERSION});
	}, 120_000);
});
