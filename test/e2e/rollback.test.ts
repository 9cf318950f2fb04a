import {mkdtempSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli} from '../support/cli-env';

const fast = {
	CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '0.5',
	CONVOX_AMI_REHEARSAL_TICK_MS: '15',
	CONVOX_AMI_REHEARSAL_CHANGE_SET_MS: '30',
	CONVOX_AMI_STACK_POLL_MS: '250',
	CONVOX_AMI_PROBE_TIMEOUT: '20',
};

function stackParameters(stateDir: string, stackName: string): Record<string, string> {
	const state = JSON.parse(readFileSync(path.join(stateDir, 'rehearsal', 'aws.json'), 'utf8'));
	const stack = state.stacks[stackName];
	return Object.fromEntries(stack.parameters.map((parameter: {key: string; value: string}) => [parameter.key, parameter.value]));
}

describe('convox-ami rollback RUN_ID', () => {
	it('puts the stack back on the Ami and Version it had before the run, and records it in that run', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-rollback-'));
		const env = {PATH: process.env.PATH, HOME: cwd, ...fast};
		const stateDir = path.join(cwd, '.convox-ami');
		const release = await runCli(['release', '--rehearse', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'], {cwd, env});
		expect(release.code, release.stderr).toBe(0);
		const runId = String(release.events[0]?.runId);
		const amiId = release.events.find(event => event.type === 'step' && event.step === 'build' && event.status === 'done')?.amiId;
		expect(stackParameters(stateDir, 'convox-dev')).toMatchObject({Ami: amiId, Version: '20160916121812'});
		const packerLog = readFileSync(path.join(stateDir, 'runs', `${runId}.packer.log`), 'utf8');
		expect(packerLog, 'the rehearsal builds its template with the real Packer').toContain(
			`null: Registered ${amiId} in us-east-1 (tagged ReleaseRun=${runId})`,
		);

		const rollback = await runCli(['rollback', runId, '--yes', '--json', '--confirm', 'sumologic'], {cwd, env});
		expect(rollback.code, rollback.stderr).toBe(0);
		const rollbackId = String(rollback.events[0]?.runId);
		expect(rollback.events[0]).toMatchObject({type: 'run', status: 'started', kind: 'rollback', mode: 'rehearsal'});
		expect(rollback.events.find(event => event.type === 'change-set')).toMatchObject({
			parameters: expect.arrayContaining([
				expect.objectContaining({key: 'Ami', old: amiId}),
				expect.objectContaining({key: 'Version', old: '20160916121812', new: '20160820033210'}),
			]),
		});
		expect(rollback.events.some(event => event.type === 'stack-event')).toBe(true);
		expect(stackParameters(stateDir, 'convox-dev')).toMatchObject({Ami: '', Version: '20160820033210'});

		const original = JSON.parse(readFileSync(path.join(stateDir, 'runs', `${runId}.json`), 'utf8'));
		expect(original.history.map((entry: {message: string}) => entry.message)).toEqual(
			expect.arrayContaining([expect.stringContaining(`Rollback run ${rollbackId} started`), `Rollback run ${rollbackId} finished.`]),
		);
		const rolledBack = JSON.parse(readFileSync(path.join(stateDir, 'runs', `${rollbackId}.json`), 'utf8'));
		expect(rolledBack.rollbackOf).toEqual({runId, ami: '', version: '20160820033210'});

		const again = await runCli(['rollback', rollbackId, '--yes', '--confirm', 'sumologic'], {cwd, env});
		expect(again.code, again.stderr).toBe(0);
		const dryRun = await runCli(['release', '--rehearse', '--env', 'dev', '--yes', '--dry-run', '--json'], {cwd, env});
		const refused = await runCli(['rollback', String(dryRun.events[0]?.runId)], {cwd, env});
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain('never changed its stack');
	}, 120_000);
});
