import {stepsOfKind} from '../core/step-declarations';
import type {RollbackTarget, Run, RunKind, RunMode, RunOptions, StepId} from '../core/types';

function pad(value: number): string {
	return String(value).padStart(2, '0');
}

/** A run's id: the time, the account (or `fleet-NAME`) and a random suffix. */
export function newRunId(name: string, now = new Date(), random = Math.random): string {
	const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
	const suffix = Math.floor(random() * 36 ** 4)
		.toString(36)
		.padStart(4, '0');
	return `${stamp}-${name}-${suffix}`;
}

export interface NewRun {
	id: string;
	kind: RunKind;
	account: string;
	mode: RunMode;
	production: boolean;
	options: RunOptions;
	releaseId?: string;
	rollbackOf?: RollbackTarget;
	now?: Date;
}

export function createRun({id, kind, account, mode, production, options, releaseId, rollbackOf, now = new Date()}: NewRun): Run {
	const at = now.toISOString();
	return {
		schemaVersion: 1,
		id,
		kind,
		env: account,
		mode,
		production,
		...(releaseId ? {releaseId} : {}),
		...(rollbackOf ? {rollbackOf} : {}),
		status: 'running',
		createdAt: at,
		updatedAt: at,
		options,
		steps: stepsOfKind(kind).map(step => ({id: step, status: 'pending', attempts: 0, outputs: {}})),
		checks: [],
		history: [],
	};
}

/** The step a (resumed) run continues at: the first one not done or skipped. */
export function firstUnfinishedStep(run: Run): StepId | undefined {
	return run.steps.find(step => step.status !== 'done' && step.status !== 'skipped')?.id;
}
