import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import type {StandInData} from '../../source/rehearsal/aws/model';
import type {FleetRun} from '../../source/workflow/fleet/fleet-journal';
import type {Run} from '../../source/core/types';
import {faultEnv, runCliUntil, type CliEvent} from '../support/fault-cli';
import {fleetStateDirs} from '../support/fleet-state';
import {parameterOf, stackOf, updatesBegun} from '../support/fault-state';
import {PROMPT_READY} from '../support/ink-prompt';
import {runInPty} from '../support/pty';

/** The demo fleet's first four racks: wave 1 is dev-us-1, dev-eu-1 and dev-ap-1; wave 2 is dev-us-2. */
const env = faultEnv({CONVOX_AMI_CLOUDFORMATION_RATE: '100', CONVOX_AMI_REHEARSAL_FLEET_RACKS: '4'});
const WAVE_1 = ['dev-us-1', 'dev-eu-1', 'dev-ap-1'];
const APPROVER_ARN = 'arn:aws:sts::111111111111:assumed-role/Rehearsal/operator';
const CASE_TIMEOUT_MS = 240_000;

const {stateDir, readFleet} = fleetStateDirs('convox-ami-fleet-approval-');

const awsFile = (dir: string) => path.join(dir, 'rehearsal', 'aws-fleet-demo.json');
const readAws = (dir: string) => JSON.parse(readFileSync(awsFile(dir), 'utf8')) as StandInData;
const readRun = (dir: string, runId: string) => JSON.parse(readFileSync(path.join(dir, 'runs', `${runId}.json`), 'utf8')) as Run;
const reportOf = (dir: string, fleet: FleetRun) => readFileSync(path.join(dir, 'fleets', `${fleet.id}.report.md`), 'utf8');

const cli = (dir: string, args: string[]) => runCliUntil([...args, '--json', '--confirm', 'sumologic', '--state-dir', dir], {env});
const preview = (dir: string) => cli(dir, ['release', '--rehearse', '--fleet', 'demo', '--until', 'preview']);

/** The change set of each rack of a wave, as the fleet journaled its last preview. */
function previewedChangeSets(fleet: FleetRun, wave: number): Record<string, string> {
	const changeSets = fleet.waveApprovals?.find(approval => approval.wave === wave)?.preview?.changeSets ?? [];
	return Object.fromEntries(changeSets.map(changeSet => [changeSet.rack, changeSet.changeSetName]));
}

const updates = (dir: string, racks: string[]) => racks.map(rack => updatesBegun(stackOf(readAws(dir), `convox-${rack}`)));

/** The change sets each rack's run showed in this process. */
const shownChangeSets = (events: readonly CliEvent[], rack: string) =>
	events.filter(event => event.type === 'change-set' && event.rack === rack).map(event => String(event.changeSetName));

describe('a fleet wave approved between preview and execution (4 racks, 2 waves, over the loopback stand-ins)', () => {
	test(
		'release --until preview waits with the change sets journaled; resume --approve executes exactly them, and the next wave waits again',
		async () => {
			const dir = stateDir();
			const previewed = await preview(dir);
			expect(previewed.exitCode, previewed.stderr).toBe(3);
			let fleet = readFleet(dir);
			expect(previewed.stderr).toContain(`convox-ami resume ${fleet.id} --approve`);
			expect(previewed.stderr).toContain('Wave 1 of fleet demo waits for approval of 3 change set(s): dev-us-1, dev-eu-1, dev-ap-1.');
			expect(fleet).toMatchObject({until: 'preview', status: 'waiting'});
			expect(fleet.racks.map(rack => [rack.name, rack.state])).toEqual([...WAVE_1.map(rack => [rack, 'waiting']), ['dev-us-2', 'pending']]);
			expect(updates(dir, [...WAVE_1, 'dev-us-2'])).toEqual([0, 0, 0, 0]);
			// The fleet journals each rack's change set as its run journaled its preview.
			const first = previewedChangeSets(fleet, 0);
			for (const rack of fleet.racks.filter(candidate => candidate.wave === 0)) {
				const update = readRun(dir, rack.runId!).steps.find(step => step.id === 'update-stack')!;
				expect(update).toMatchObject({status: 'waiting', outputs: {preview: {changeSetName: first[rack.name]}}});
			}
			const table = previewed.events.find(event => event.type === 'change-sets');
			expect(table).toMatchObject({wave: 0, racks: WAVE_1, fleetRunId: fleet.id});
			for (const rack of WAVE_1) expect(String(table?.table)).toMatch(new RegExp(`^${rack} +convox-${rack} +Ami \\(none\\) → ami-`, 'm'));
			expect(fleet.waveApprovals?.[0]?.preview?.table).toBe(table?.table);
			expect(reportOf(dir, fleet)).toContain(`- dev-eu-1: change set \`${first['dev-eu-1']}\``);
			expect(reportOf(dir, fleet)).toContain('**waiting for approval**');

			// Without --approve and nobody to ask, the wave goes on waiting: nothing written, the same change sets.
			const unapproved = await cli(dir, ['resume']);
			expect(unapproved.exitCode, unapproved.stderr).toBe(3);
			expect(updates(dir, WAVE_1)).toEqual([0, 0, 0]);
			expect(previewedChangeSets(readFleet(dir), 0)).toEqual(first);

			const approved = await cli(dir, ['resume', fleet.id, '--approve']);
			expect(approved.exitCode, approved.stderr).toBe(3);
			expect(approved.stderr).toContain('Wave 2 of fleet demo waits for approval of 1 change set(s): dev-us-2.');
			fleet = readFleet(dir);
			const aws = readAws(dir);
			for (const rack of WAVE_1) {
				// Exactly the change set previewed, reused and executed: no other was created for the unchanged stack.
				expect(shownChangeSets(approved.events, rack)).toEqual([first[rack]]);
				const stack = stackOf(aws, `convox-${rack}`);
				expect(updatesBegun(stack)).toBe(1);
				expect(stack.changeSets.map(changeSet => [changeSet.name, changeSet.executionStatus])).toEqual([[first[rack], 'EXECUTE_COMPLETE']]);
				expect(parameterOf(stack, 'Version')).toBe('20160916121812');
			}
			expect(updates(dir, ['dev-us-2'])).toEqual([0]);
			expect(fleet.racks.map(rack => rack.state)).toEqual(['done', 'done', 'done', 'waiting']);
			// The approver, per wave in the fleet journal and in its report.
			expect(fleet.waveApprovals?.[0]?.approvals.map(given => [given.rack, given.changeSetName, given.arn]).sort()).toEqual(
				WAVE_1.map(rack => [rack, first[rack], APPROVER_ARN]).sort(),
			);
			expect(Object.keys(previewedChangeSets(fleet, 1))).toEqual(['dev-us-2']);
			expect(reportOf(dir, fleet)).toMatch(
				new RegExp(`- dev-us-1: change set \`${first['dev-us-1']}\` .*: approved by .+ \\(\`${APPROVER_ARN}\`\\)`),
			);

			// --yes approves as --approve does; the last wave goes and the fleet finishes.
			const last = await cli(dir, ['resume', fleet.id, '--yes']);
			expect(last.exitCode, last.stderr).toBe(0);
			expect(updates(dir, [...WAVE_1, 'dev-us-2'])).toEqual([1, 1, 1, 1]);
			fleet = readFleet(dir);
			expect(fleet.status).toBe('finished');
			expect(fleet.waveApprovals?.[1]?.approvals.map(given => given.rack)).toEqual(['dev-us-2']);
		},
		CASE_TIMEOUT_MS,
	);

	test(
		'a stack changed since the preview: that rack gets a fresh change set and the whole wave waits again; the next approval executes them',
		async () => {
			const dir = stateDir();
			expect((await preview(dir)).exitCode).toBe(3);
			const fleet = readFleet(dir);
			const first = previewedChangeSets(fleet, 0);

			// Someone changes a parameter of one rack's stack between the preview and the approval.
			const aws = readAws(dir);
			const stack = stackOf(aws, 'convox-dev-eu-1');
			stack.parameters = stack.parameters.map(parameter => (parameter.key === 'ApiCpu' ? {...parameter, value: '256'} : parameter));
			writeFileSync(awsFile(dir), JSON.stringify(aws));

			const held = await cli(dir, ['resume', fleet.id, '--approve']);
			expect(held.exitCode, held.stderr).toBe(3);
			expect(held.stderr).toContain(
				'Wave 1 of fleet demo waits for approval of 3 change set(s): dev-us-1, dev-eu-1, dev-ap-1. The stack of dev-eu-1 (its parameters changed) changed since the wave was previewed',
			);
			expect(updates(dir, WAVE_1)).toEqual([0, 0, 0]);
			const second = previewedChangeSets(readFleet(dir), 0);
			expect(second['dev-eu-1']).not.toBe(first['dev-eu-1']);
			expect({...second, 'dev-eu-1': first['dev-eu-1']}).toEqual(first);
			expect(readFleet(dir).waveApprovals?.[0]?.approvals).toEqual([]);

			const approved = await cli(dir, ['resume', fleet.id, '--approve']);
			expect(approved.exitCode, approved.stderr).toBe(3);
			expect(updates(dir, WAVE_1)).toEqual([1, 1, 1]);
			const executed = stackOf(readAws(dir), 'convox-dev-eu-1').changeSets;
			expect(executed.map(changeSet => [changeSet.name, changeSet.executionStatus])).toEqual([[second['dev-eu-1'], 'EXECUTE_COMPLETE']]);
			expect(parameterOf(stackOf(readAws(dir), 'convox-dev-eu-1'), 'ApiCpu')).toBe('256');
		},
		CASE_TIMEOUT_MS,
	);

	test(
		"at a terminal, resume without --approve asks the wave's question over the previewed change sets; answered, it executes them",
		async () => {
			const dir = stateDir();
			const previewed = await runCliUntil(
				['release', '--rehearse', '--fleet', 'demo', '--until', 'preview', '--json', '--confirm', 'sumologic', '--state-dir', dir],
				{env: faultEnv({CONVOX_AMI_CLOUDFORMATION_RATE: '100', CONVOX_AMI_REHEARSAL_FLEET_RACKS: '3'})},
			);
			expect(previewed.exitCode, previewed.stderr).toBe(3);
			const first = previewedChangeSets(readFleet(dir), 0);
			const {CI: _ci, ...terminalEnv} = faultEnv({CONVOX_AMI_CLOUDFORMATION_RATE: '100', CONVOX_AMI_REHEARSAL_FLEET_RACKS: '3', HOME: dir});
			const pty = runInPty(['resume', '--confirm', 'sumologic', '--state-dir', dir], {cwd: dir, env: terminalEnv, rows: 50, cols: 120});
			try {
				await pty.waitFor('Execute the 3 change set(s) of wave 1 of fleet demo? They replace 9 instance(s) in all.', 60_000);
				await pty.waitFor(PROMPT_READY, 20_000);
				expect(updates(dir, WAVE_1)).toEqual([0, 0, 0]);
				pty.write('y');
				const code = await pty.exited;
				expect(code, pty.screen()).toBe(0);
			} finally {
				pty.kill();
			}
			const fleet = readFleet(dir);
			expect(fleet.confirmedWaves).toEqual([0]);
			expect(updates(dir, WAVE_1)).toEqual([1, 1, 1]);
			for (const rack of WAVE_1)
				expect(stackOf(readAws(dir), `convox-${rack}`).changeSets.map(changeSet => changeSet.name)).toEqual([first[rack]]);
			expect(fleet.waveApprovals?.[0]?.approvals.map(given => given.rack).sort()).toEqual([...WAVE_1].sort());
		},
		CASE_TIMEOUT_MS,
	);
});
