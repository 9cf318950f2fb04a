import {PROMPT_READY} from '../support/ink-prompt';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {runCli} from '../support/cli-env';
import {createChecklistWorld, RACK_AMI, RACK_VERSION, type ChecklistWorld} from '../support/checklist-e2e-world';
import {runInPty} from '../support/pty';

let world: ChecklistWorld | undefined;
afterEach(async () => {
	await world?.close();
	world = undefined;
});

const ITEMS = ['rack', 'instances', 'hello-world', 'metrics', 'logs'];

type Events = Array<Record<string, unknown>>;

/** The last `check` event of each item: its verdict. */
function verdicts(events: Events): Record<string, Record<string, unknown>> {
	const last: Record<string, Record<string, unknown>> = {};
	for (const event of events) if (event.type === 'check') last[String(event.id)] = event;
	return last;
}

const statuses = (events: Events) => Object.fromEntries(Object.entries(verdicts(events)).map(([id, event]) => [id, event.status]));

async function journalOf(stateDir: string, runId: string) {
	return JSON.parse(await readFile(path.join(stateDir, 'runs', `${runId}.json`), 'utf8')) as {
		kind: string;
		status: string;
		checks: Array<{id: string; status: string; detail: string}>;
	};
}

describe('convox-ami checklist, end to end against loopback servers and a fake convox', () => {
	it('passes every item of a config with the legacy librato and sumologic keys under --yes --confirm sumologic (the old id), exit 0, with the evidence of each', async () => {
		world = await createChecklistWorld();
		const result = await runCli(['checklist', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'], {
			cwd: world.dir,
			env: world.env,
		});
		expect(result.stderr).not.toMatch(/error/i);
		expect(result.code).toBe(0);
		expect(statuses(result.events)).toEqual(Object.fromEntries(ITEMS.map(id => [id, 'pass'])));
		const checks = verdicts(result.events);
		expect(checks.rack?.detail).toContain(
			`convox rack: convox-dev running ${RACK_VERSION}, 3 instances; stack convox-dev UPDATE_COMPLETE, Ami ${RACK_AMI}, Version ${RACK_VERSION}`,
		);
		expect(checks.instances?.detail).toBe(`3 of 3 on ${RACK_AMI}`);
		expect(checks['hello-world']?.detail).toMatch(new RegExp(`^HTTP 200 from ${world.helloWorld.url}/ in \\d+ ms$`));
		expect(checks.metrics?.detail).toContain('2 collectd.cpu.percent.user measurements from source aws.dev.*');
		expect(checks.logs?.detail).toBe('confirmed with --confirm logs');
		expect(result.events.at(-1)).toMatchObject({type: 'run', status: 'finished', kind: 'checklist'});

		expect(world.helloWorld.requests.map(request => request.url)).toContain('/');
		expect(
			world.librato.requests.some(
				({url = ''}) => url.startsWith('/v1/measurements/collectd.cpu.percent.user?') && url.includes('source=aws.dev.*'),
			),
		).toBe(true);
		expect(await readFile(world.convoxArgsLog, 'utf8')).toBe('rack --rack dev\n');
		expect(world.aws.writes()).toEqual([]);

		const runId = String(result.events[0]?.runId);
		const journal = await journalOf(world.stateDir, runId);
		expect(journal).toMatchObject({kind: 'checklist', status: 'finished'});
		expect(journal.checks.map(check => [check.id, check.status])).toEqual(ITEMS.map(id => [id, 'pass']));
		const report = await readFile(path.join(world.stateDir, 'runs', `${runId}.report.md`), 'utf8');
		expect(report).toContain('5 passed.');
		expect(report).toContain(`| **Instances run the new AMI** (\`instances\`, auto) | ✔ pass | 3 of 3 on ${RACK_AMI}`);
	});

	it('prints each check on one line in plain output, the hello-world evidence as it reads', async () => {
		world = await createChecklistWorld();
		const result = await runCli(['checklist', '--env', 'dev', '--yes', '--confirm', 'sumologic'], {cwd: world.dir, env: world.env});
		expect(result.code, result.stderr).toBe(0);
		const lines = result.stdout.split('\n');
		expect(lines).toContainEqual(
			expect.stringMatching(new RegExp(`^  check hello-world pass — HTTP 200 from ${world.helloWorld.url}/ in \\d+ ms$`)),
		);
		expect(lines).toContainEqual(`  check instances pass — 3 of 3 on ${RACK_AMI}`);
	});

	it('fails naming hello-world, exit 1, when the hello-world server is down', async () => {
		world = await createChecklistWorld({extraEnv: {CONVOX_AMI_PROBE_TIMEOUT: '5'}});
		await world.helloWorld.close();
		const started = Date.now();
		const result = await runCli(['checklist', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'], {
			cwd: world.dir,
			env: world.env,
		});
		expect(result.code).toBe(1);
		expect(Date.now() - started).toBeLessThan(30_000);
		expect(statuses(result.events)).toEqual({rack: 'pass', instances: 'pass', 'hello-world': 'fail', metrics: 'pass', logs: 'pass'});
		expect(verdicts(result.events)['hello-world']?.detail).toMatch(/127\.0\.0\.1/);
		expect(result.events.find(event => event.type === 'step' && event.step === 'verify' && event.status === 'failed')?.error).toMatch(
			/^Verification failed: hello-world \(/,
		);
		expect(result.stderr).toContain('Verification failed: hello-world');
		expect(result.events.at(-1)).toMatchObject({type: 'run', status: 'failed'});
	});

	it('waits with exit 3 without --confirm, and resume --confirm sumologic finishes asking only that item', async () => {
		world = await createChecklistWorld();
		const first = await runCli(['checklist', '--env', 'dev', '--yes', '--json'], {cwd: world.dir, env: world.env});
		expect(first.code).toBe(3);
		expect(statuses(first.events)).toEqual({rack: 'pass', instances: 'pass', 'hello-world': 'pass', metrics: 'pass', logs: 'waiting'});
		expect(verdicts(first.events).logs?.detail).toContain('--confirm logs');
		expect(first.stderr).toContain('--confirm logs');
		const runId = String(first.events[0]?.runId);
		expect((await journalOf(world.stateDir, runId)).status).toBe('waiting');
		const helloWorldCalls = world.helloWorld.requests.length;
		const libratoCalls = world.librato.requests.length;

		const resumed = await runCli(['resume', '--yes', '--json', '--confirm', 'sumologic'], {cwd: world.dir, env: world.env});
		expect(resumed.code).toBe(0);
		expect(resumed.events[0]).toMatchObject({type: 'run', status: 'resumed', runId, kind: 'checklist'});
		expect(resumed.events.filter(event => event.type === 'check').map(event => `${String(event.id)} ${String(event.status)}`)).toEqual([
			'logs pending',
			'logs pass',
		]);
		expect(statuses(resumed.events)).toEqual({logs: 'pass'});
		expect(resumed.events.filter(event => event.type === 'step').map(event => `${String(event.step)} ${String(event.status)}`)).toEqual([
			'verify running',
			'verify done',
		]);
		expect(world.helloWorld.requests.length).toBe(helloWorldCalls);
		expect(world.librato.requests.length).toBe(libratoCalls);
		expect(resumed.events.at(-1)).toMatchObject({type: 'run', status: 'finished', runId});
		const journal = await journalOf(world.stateDir, runId);
		expect(journal.status).toBe('finished');
		expect(journal.checks.map(check => [check.id, check.status])).toEqual(ITEMS.map(id => [id, 'pass']));
	});

	it('shows the checklist in a real terminal and takes a manual answer', async () => {
		world = await createChecklistWorld();
		const env = {...world.env};
		delete env.CI;
		const session = runInPty(['checklist', '--env', 'dev'], {cwd: world.dir, env});
		const asking = await session.waitFor(PROMPT_READY);
		expect(asking).toContain('convox-ami checklist · dev');
		expect(asking).toContain('Logs reach SumoLogic: Do HTTP logs from this environment show up in the SumoLogic search');
		expect(asking).toContain('https://service.sumologic.com/ui/#/search/_sourceCategory=dev/http');
		expect(asking, 'no answer is chosen before the operator chooses one').not.toContain('❯');
		const answered = await session.waitFor('4 passed, 1 running');
		expect(answered).toContain(`3 of 3 on ${RACK_AMI}`);
		session.write('y');
		await session.waitFor(/❯ Yes/);
		session.write('\r');
		expect(await session.exited).toBe(0);
		expect(session.screen()).toContain('✔ Finished');
		const runId = /runs\/(\S+)\.json/.exec(session.screen())?.[1];
		const journal = await journalOf(world.stateDir, String(runId));
		expect(journal.checks.find(check => check.id === 'logs')).toMatchObject({status: 'pass', detail: 'confirmed by the operator'});
	});
});
