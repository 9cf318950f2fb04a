import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {stockImage} from '../../source/rehearsal/aws-stand-in';
import {runCli} from '../support/cli-env';
import {createChecklistWorld, RACK_VERSION, type ChecklistWorld} from '../support/checklist-e2e-world';

/** The seed rack's Convox version: what a rollback of the first release puts back, with an empty Ami. */
const SEED_VERSION = '20160820033210';
const STOCK_REASON = {
	metrics: 'the stock AMI ships no collectd: rolled back to the stock AMI',
	logs: 'the stock AMI ships no logspout: rolled back to the stock AMI',
};

let world: ChecklistWorld | undefined;
afterEach(async () => {
	await world?.close();
	world = undefined;
});

type Events = Array<Record<string, unknown>>;

function verdicts(events: Events): Record<string, Record<string, unknown>> {
	const last: Record<string, Record<string, unknown>> = {};
	for (const event of events) if (event.type === 'check') last[String(event.id)] = event;
	return last;
}

/** `convox rack` as the fake convox prints it, on the given version. */
async function rackRuns(version: string): Promise<void> {
	const file = world!.env.FAKE_CONVOX_RACK!;
	await writeFile(file, (await readFile(file, 'utf8')).replace(/^Version\s+\S+/m, `Version  ${version}`));
}

describe('convox-ami rollback RUN_ID to a stack whose Ami was empty (the stock AMI), over the wire', () => {
	it('skips metrics and logs with the reason (events, journal, report), passes the rest, exit 0 under --yes alone', async () => {
		world = await createChecklistWorld({released: false});
		const release = await runCli(['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'], {
			cwd: world.dir,
			env: world.env,
		});
		expect(release.code, release.stderr).toBe(0);
		const runId = String(release.events[0]?.runId);
		expect(verdicts(release.events).metrics?.status, 'the release itself checks the metrics').toBe('pass');
		const libratoQueries = world.librato.requests.length;

		await rackRuns(SEED_VERSION);
		const started = Date.now();
		const rollback = await runCli(['rollback', runId, '--yes', '--json'], {cwd: world.dir, env: world.env});
		expect(rollback.code, rollback.stderr).toBe(0);
		expect(Date.now() - started, 'no wait on metrics that cannot come').toBeLessThan(15_000);
		const rollbackId = String(rollback.events[0]?.runId);
		expect(rollback.events[0]).toMatchObject({type: 'run', status: 'started', kind: 'rollback'});
		expect(world.aws.writes().filter(write => write.action === 'ExecuteChangeSet')).toHaveLength(2);

		const checks = verdicts(rollback.events);
		expect(Object.fromEntries(Object.entries(checks).map(([id, event]) => [id, event.status]))).toEqual({
			rack: 'pass',
			instances: 'pass',
			'hello-world': 'pass',
			metrics: 'skipped',
			logs: 'skipped',
		});
		expect(checks.metrics).toMatchObject({kind: 'auto', detail: STOCK_REASON.metrics});
		expect(checks.logs).toMatchObject({kind: 'manual', detail: STOCK_REASON.logs});
		expect(checks.instances?.detail).toBe(`3 of 3 on ${stockImage.imageId}`);
		expect(checks.rack?.detail).toContain(`stack convox-dev UPDATE_COMPLETE, Ami (empty: the stock AMI), Version ${SEED_VERSION}`);
		const notices = rollback.events.filter(event => event.type === 'notice').map(event => String(event.message));
		expect(notices).toContainEqual(
			expect.stringMatching(
				/^Executing change set \S+ on convox-dev: Ami ami-\w+ → \(empty: the stock AMI\), Version 20160916121812 → 20160820033210\.$/,
			),
		);
		expect(notices).toContain(`convox-dev is UPDATE_COMPLETE with Ami (empty: the stock AMI) and Version ${SEED_VERSION}.`);
		expect(
			rollback.events.filter(event => event.type === 'check' && (event.id === 'metrics' || event.id === 'logs')).map(event => event.status),
		).toEqual(['skipped', 'skipped']);
		expect(rollback.events.find(event => event.type === 'step' && event.step === 'verify' && event.status === 'done')).toMatchObject({
			passed: ['rack', 'instances', 'hello-world'],
			skipped: ['metrics', 'logs'],
		});
		expect(rollback.events.at(-1)).toMatchObject({type: 'run', status: 'finished', kind: 'rollback'});
		expect(world.librato.requests, 'Librato was not asked for metrics the stock AMI cannot send').toHaveLength(libratoQueries);

		const journal = JSON.parse(await readFile(path.join(world.stateDir, 'runs', `${rollbackId}.json`), 'utf8')) as {
			status: string;
			rollbackOf: unknown;
			checks: Array<{id: string; status: string; detail: string}>;
		};
		expect(journal).toMatchObject({status: 'finished', rollbackOf: {runId, ami: '', version: SEED_VERSION}});
		expect(journal.checks.map(check => [check.id, check.status, check.status === 'skipped' ? check.detail : ''])).toEqual([
			['rack', 'pass', ''],
			['instances', 'pass', ''],
			['hello-world', 'pass', ''],
			['metrics', 'skipped', STOCK_REASON.metrics],
			['logs', 'skipped', STOCK_REASON.logs],
		]);
		const report = await readFile(path.join(world.stateDir, 'runs', `${rollbackId}.report.md`), 'utf8');
		expect(report).toContain('3 passed, 2 skipped');
		expect(report).toContain(`| **Instances publish metrics** (\`metrics\`, auto) | ↷ skipped | ${STOCK_REASON.metrics} |`);
		expect(report).toContain(`| **Logs reach SumoLogic** (\`logs\`, manual) | ↷ skipped | ${STOCK_REASON.logs} |`);
	}, 120_000);

	it('a rollback to an AMI of ours still checks metrics and waits for logs (exit 3)', async () => {
		world = await createChecklistWorld({released: false});
		const first = await runCli(['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'], {cwd: world.dir, env: world.env});
		const second = await runCli(
			['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic', '--convox-version', RACK_VERSION],
			{cwd: world.dir, env: world.env},
		);
		expect([first.code, second.code], second.stderr).toEqual([0, 0]);
		const rollback = await runCli(['rollback', String(second.events[0]?.runId), '--yes', '--json'], {cwd: world.dir, env: world.env});
		expect(rollback.code, rollback.stderr).toBe(3);
		const checks = verdicts(rollback.events);
		expect(checks.metrics?.status).toBe('pass');
		expect(checks.logs?.status).toBe('waiting');
	}, 120_000);
});
