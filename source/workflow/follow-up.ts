import type {Config} from '../config/schema';
import {onlyMonitoringFailed} from '../core/check-faults';
import {runModeOf} from '../core/run-mode';
import {outputsOf} from '../core/step-outputs';
import type {RollbackTarget, Run} from '../core/types';

/** What the stack had before this run changed it, or undefined when the run never changed it (a dry run, or no update recorded). */
export function rollbackTargetOf(run: Run): RollbackTarget | undefined {
	const {previousAmi, previousVersion} = outputsOf(run, 'update-stack');
	if (runModeOf(run).readOnly || previousAmi === undefined || previousVersion === undefined) return undefined;
	return {runId: run.id, ami: previousAmi, version: previousVersion};
}

/** After a release the guided flow offers one of these, or nothing. */
export type FollowUp =
	/** Verification failed after the stack changed: put it back as it was. */
	| {kind: 'rollback'; target: RollbackTarget}
	/** A verified release outside production: release the same Convox version to a production account. */
	| {kind: 'promotion'; convoxVersion: string; accounts: string[]; releaseId: string};

/**
 * The promotion and rollback policy. A rollback is offered after any release whose verification
 * failed once the stack was updated, unless only monitoring services that are gone failed it; a
 * promotion only in the guided flow (`release` without --env, not a resume), after a finished non-production release, when the config has production accounts.
 */
export function followUpOf(run: Run, config: Config, {guided}: {guided: boolean}): FollowUp | undefined {
	if (run.kind !== 'release') return undefined;
	const status = (id: string) => run.steps.find(step => step.id === id)?.status;
	if (status('verify') === 'failed' && status('update-stack') === 'done') {
		if (onlyMonitoringFailed(run.checks)) return undefined;
		const target = rollbackTargetOf(run);
		return target ? {kind: 'rollback', target} : undefined;
	}
	if (!guided || run.status !== 'finished' || run.production) return undefined;
	const accounts = Object.keys(config.accounts).filter(name => config.accounts[name]!.production);
	const {convoxVersion} = outputsOf(run, 'resolve-version');
	if (accounts.length === 0 || !convoxVersion) return undefined;
	return {kind: 'promotion', convoxVersion, accounts, releaseId: run.releaseId ?? run.id};
}
