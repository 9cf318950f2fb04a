import {mkdtemp, readFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {rehearsalEnv, runCli} from '../support/cli-env';

type Event = Record<string, unknown>;

/** A dev release in the rehearsal (CloudWatch, SumoLogic and every other backend are loopback stand-ins), with these knobs. */
async function rehearse(knobs: NodeJS.ProcessEnv = {}, args: string[] = []) {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-proof-'));
	const env = rehearsalEnv(dir, {CI: 'true', CONVOX_AMI_REHEARSAL_CHANGE_SET_MS: '50', CONVOX_AMI_REHEARSAL_PACKER: 'replay', ...knobs});
	const started = Date.now();
	const result = await runCli(['release', '--rehearse', '--env', 'dev', '--yes', '--json', ...args], {cwd: dir, env});
	return {...result, dir, elapsedMs: Date.now() - started};
}

const final = (events: Event[], id: string) => events.filter(event => event.type === 'check' && event.id === id).at(-1);
const progress = (events: Event[], id: string) =>
	events.filter(event => event.type === 'check' && event.id === id && event.status === 'running').map(event => String(event.detail));

describe('the proof of release against CloudWatch and SumoLogic (rehearsal stand-ins over loopback)', () => {
	it('releases with no --confirm: every default check is automatic and passes, each showing its progress', async () => {
		const result = await rehearse();
		expect(result.code, result.stderr).toBe(0);
		for (const id of ['rack', 'instances', 'hello-world', 'metrics', 'logs'])
			expect(final(result.events, id), id).toMatchObject({kind: 'auto', status: 'pass'});
		expect(final(result.events, 'metrics')?.detail).toMatch(/^\d+ of \d+ instances published to CWAgent since launch/);
		expect(progress(result.events, 'metrics').some(detail => /^instances reported \d+\/\d+$/.test(detail))).toBe(true);
		expect(final(result.events, 'logs')?.detail).toMatch(/^1 log line with marker convox-ami-\S+ found by SumoLogic in /);
		expect(progress(result.events, 'logs')).toContain('search job DONE GATHERING RESULTS, 1 message');
		const notices = result.events.filter(event => event.type === 'notice').map(event => String(event.message));
		expect(notices).toContainEqual(
			expect.stringMatching(/^Instance role convox-dev-\S+ may publish metrics \(cloudwatch:PutMetricData\)\.$/),
		);
		expect(result.stdout, 'no secret of the checks is shown').not.toContain('rehearsal-sumologic-access-key');
	});

	it('names the instance that never reported, and the logs that never arrived, once the probe time is up', async () => {
		const result = await rehearse({
			CONVOX_AMI_REHEARSAL_SILENT_METRICS: 'dev',
			CONVOX_AMI_REHEARSAL_LOGS: 'never',
			CONVOX_AMI_PROBE_TIMEOUT: '3',
		});
		expect(result.code).toBe(1);
		expect(final(result.events, 'metrics')).toMatchObject({status: 'fail'});
		expect(final(result.events, 'metrics')?.detail).toMatch(
			/^2 of 3 instances reported; not yet: i-\w+ \(\d+ attempts in .*; gave up after 3\.0 s\)$/,
		);
		expect(final(result.events, 'logs')?.detail).toMatch(/^no log line with marker convox-ami-\S+ yet; search job DONE GATHERING RESULTS/);
		expect(final(result.events, 'hello-world')).toMatchObject({status: 'pass'});
		expect(result.stderr).toContain('convox-ami rollback');
	});

	it('with a Librato configuration whose API no longer resolves, fails the metrics check within 20 s naming its end of service, and offers no rollback for it', async () => {
		const result = await rehearse({CONVOX_AMI_REHEARSAL_METRICS: 'librato-gone'});
		expect(result.code).toBe(1);
		const metrics = final(result.events, 'metrics');
		expect(metrics).toMatchObject({status: 'fail', fault: 'backend'});
		expect(metrics?.detail).toContain('reached its end of service on 2026-01-31');
		const began = result.events.find(event => event.type === 'check' && event.id === 'metrics' && event.status === 'running');
		expect(Date.parse(String(metrics?.at)) - Date.parse(String(began?.at))).toBeLessThan(20_000);
		const notices = result.events.filter(event => event.type === 'notice').map(event => String(event.message));
		expect(notices).toContainEqual(expect.stringContaining('Metrics are checked in Librato, as the config says.'));
		expect(result.stderr).not.toContain('convox-ami rollback');
		const runId = String(result.events[0]?.runId);
		const journal = JSON.parse(await readFile(path.join(result.dir, '.convox-ami', 'runs', `${runId}.json`), 'utf8'));
		expect(journal.checks.find((check: {id: string}) => check.id === 'metrics')).toMatchObject({fault: 'backend'});
	});

	it('with the legacy Librato backend that answers, checks it automatically with the secrets the run holds', async () => {
		const result = await rehearse({CONVOX_AMI_REHEARSAL_METRICS: 'librato'});
		expect(result.code, result.stderr).toBe(0);
		expect(final(result.events, 'metrics')).toMatchObject({kind: 'auto', status: 'pass'});
		expect(final(result.events, 'metrics')?.detail).toContain('collectd.cpu.percent.user measurements from source aws.dev.*');
	});

	it('asks the manual logs question without the Search Job API, and --confirm sumologic (the old id) still confirms it', async () => {
		const result = await rehearse({CONVOX_AMI_REHEARSAL_LOGS: 'manual'}, ['--confirm', 'sumologic']);
		expect(result.code, result.stderr).toBe(0);
		expect(final(result.events, 'logs')).toMatchObject({kind: 'manual', status: 'pass', detail: 'confirmed with --confirm logs'});
	});
});
