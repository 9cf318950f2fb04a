import {describe, expect, it} from 'vitest';
import {parseConfig} from '../../source/config/load-config';
import {followUpOf, rollbackTargetOf} from '../../source/workflow/follow-up';
import {createRun} from '../../source/workflow/plan';
import {reduceRun} from '../../source/workflow/reducer';
import type {Run, RunEvent, RunEventInput, RunMode, StepId, StepStatus} from '../../source/core/types';

const config = parseConfig(
	{
		accounts: {
			dev: {accountId: '111111111111', stackName: 'convox-dev'},
			prod: {accountId: '222222222222', stackName: 'convox-prod', production: true},
			prod2: {accountId: '333333333333', stackName: 'convox-prod2', production: true},
		},
	},
	'test',
);
const devOnly = parseConfig({accounts: {dev: {accountId: '111111111111', stackName: 'convox-dev'}}}, 'test');

function released({
	env: account = 'dev',
	mode = 'live',
	dryRun = false,
	production = false,
	statuses = {},
	runStatus = 'finished',
	releaseId,
}: {
	env?: string;
	mode?: RunMode;
	dryRun?: boolean;
	production?: boolean;
	statuses?: Partial<Record<StepId, StepStatus>>;
	runStatus?: 'finished' | 'failed';
	releaseId?: string;
} = {}): Run {
	let run = createRun({
		id: 'r1',
		kind: 'release',
		account,
		mode,
		production,
		options: {region: 'us-east-1', dryRun, confirm: [], yes: false},
		...(releaseId ? {releaseId} : {}),
	});
	const apply = (input: RunEventInput) => (run = reduceRun(run, {...input, runId: run.id, at: new Date().toISOString()} as RunEvent));
	apply({type: 'step', step: 'resolve-version', status: 'done', outputs: {convoxVersion: '20261101000000'}});
	apply({
		type: 'checkpoint',
		step: 'update-stack',
		outputs: {changeSetName: 'cs-1', previousAmi: 'ami-before', previousVersion: '20260101000000'},
	});
	for (const step of ['account', 'template', 'build', 'update-stack', 'verify'] as const)
		apply({type: 'step', step, status: statuses[step] ?? 'done'});
	apply({type: 'run', status: runStatus, env: account, mode, kind: 'release'});
	return run;
}

describe('rollbackTargetOf', () => {
	it('is what the stack had before the run changed it, from the update step checkpoint', () => {
		expect(rollbackTargetOf(released())).toEqual({runId: 'r1', ami: 'ami-before', version: '20260101000000'});
	});

	it('keeps an empty Ami (the stock AMI) as a target', () => {
		const run = reduceRun(released(), {
			type: 'checkpoint',
			step: 'update-stack',
			outputs: {previousAmi: ''},
			runId: 'r1',
			at: new Date().toISOString(),
		});
		expect(rollbackTargetOf(run)).toMatchObject({ami: ''});
	});

	it('is undefined for a dry run, a rehearsal dry run, and a run that never reached the update', () => {
		expect(rollbackTargetOf(released({mode: 'dry-run', dryRun: true}))).toBeUndefined();
		expect(rollbackTargetOf(released({mode: 'rehearsal', dryRun: true}))).toBeUndefined();
		expect(
			rollbackTargetOf(
				createRun({
					id: 'r0',
					kind: 'release',
					account: 'dev',
					mode: 'live',
					production: false,
					options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
				}),
			),
		).toBeUndefined();
	});
});

describe('followUpOf', () => {
	it('offers a rollback when verification failed after the stack was updated, guided or not', () => {
		const failed = released({statuses: {verify: 'failed'}, runStatus: 'failed'});
		const rollback = {kind: 'rollback', target: {runId: 'r1', ami: 'ami-before', version: '20260101000000'}};
		expect(followUpOf(failed, config, {guided: true})).toEqual(rollback);
		expect(followUpOf(failed, config, {guided: false})).toEqual(rollback);
		expect(
			followUpOf(released({production: true, env: 'prod', statuses: {verify: 'failed'}, runStatus: 'failed'}), config, {guided: false}),
		).toMatchObject({kind: 'rollback'});
	});

	it('offers no rollback when only a monitoring service that is gone failed the checks, and one when the release may be at fault', () => {
		const checked = (checks: Array<{id: string; fault?: 'backend'}>) => {
			let run = released({statuses: {verify: 'failed'}, runStatus: 'failed'});
			for (const {id, fault} of checks)
				run = reduceRun(run, {
					type: 'check',
					id,
					kind: 'auto',
					status: 'fail',
					detail: 'failed',
					...(fault ? {fault} : {}),
					runId: 'r1',
					at: new Date().toISOString(),
				});
			return run;
		};
		expect(followUpOf(checked([{id: 'metrics', fault: 'backend'}]), config, {guided: true})).toBeUndefined();
		expect(followUpOf(checked([{id: 'metrics', fault: 'backend'}, {id: 'hello-world'}]), config, {guided: true})).toMatchObject({
			kind: 'rollback',
		});
	});

	it('offers no rollback when the update did not finish, or the run only showed its writes', () => {
		expect(
			followUpOf(released({statuses: {'update-stack': 'failed', verify: 'pending'}, runStatus: 'failed'}), config, {guided: true}),
		).toBeUndefined();
		expect(
			followUpOf(released({mode: 'dry-run', dryRun: true, statuses: {verify: 'failed'}, runStatus: 'failed'}), config, {guided: true}),
		).toBeUndefined();
	});

	it('offers promotion of the same version to every production account after a finished guided dev release', () => {
		expect(followUpOf(released(), config, {guided: true})).toEqual({
			kind: 'promotion',
			convoxVersion: '20261101000000',
			accounts: ['prod', 'prod2'],
			releaseId: 'r1',
		});
		expect(followUpOf(released({releaseId: 'r0'}), config, {guided: true})).toMatchObject({releaseId: 'r0'});
	});

	it('offers no promotion outside the guided flow, after production, a failed run, without production accounts, or without a version', () => {
		expect(followUpOf(released(), config, {guided: false})).toBeUndefined();
		expect(followUpOf(released({env: 'prod', production: true}), config, {guided: true})).toBeUndefined();
		expect(followUpOf(released({runStatus: 'failed'}), config, {guided: true})).toBeUndefined();
		expect(followUpOf(released(), devOnly, {guided: true})).toBeUndefined();
		const noVersion = {...released(), steps: released().steps.map(step => (step.id === 'resolve-version' ? {...step, outputs: {}} : step))};
		expect(followUpOf(noVersion, config, {guided: true})).toBeUndefined();
	});

	it('offers nothing after a checklist or a rollback run', () => {
		expect(followUpOf({...released({statuses: {verify: 'failed'}}), kind: 'checklist'}, config, {guided: true})).toBeUndefined();
		expect(followUpOf({...released(), kind: 'rollback'}, config, {guided: true})).toBeUndefined();
	});
});
