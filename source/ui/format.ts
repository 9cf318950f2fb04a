import type {Run, RunOptions, StepRecord} from '../workflow/types';

export function stepDuration(step: StepRecord, now = Date.now()): number | undefined {
	if (!step.startedAt) return undefined;
	const end = step.endedAt ? Date.parse(step.endedAt) : now;
	return end - Date.parse(step.startedAt);
}

/** Words that mark every screen of a run that is not an ordinary one. */
export function runBadges(run: Pick<Run, 'production' | 'mode'> & {options: Pick<RunOptions, 'dryRun'>}): string[] {
	return [run.production ? 'PRODUCTION' : '', run.mode === 'rehearsal' ? 'REHEARSAL' : '', run.options.dryRun ? 'DRY RUN' : ''].filter(Boolean);
}

/** The badges the flags already call for before a run exists (the account prompt): PRODUCTION waits for the account. */
export function sessionBadges(flags: {rehearse: boolean; dryRun: boolean}): string[] {
	return runBadges({production: false, mode: flags.rehearse ? 'rehearsal' : 'live', options: {dryRun: flags.dryRun}});
}
