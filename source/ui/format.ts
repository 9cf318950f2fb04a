import {runModeOf, type RunModel} from '../core/run-mode';
import type {Run, RunOptions, StepRecord} from '../core/types';

export function stepDuration(step: StepRecord, now = Date.now()): number | undefined {
	if (!step.startedAt) return undefined;
	const end = step.endedAt ? Date.parse(step.endedAt) : now;
	return end - Date.parse(step.startedAt);
}

/** Each badge's colour (the Ink screen's header, and the first frame drawn before Ink loads). */
const BADGE_COLORS = {PRODUCTION: 'red', REHEARSAL: 'magenta', 'DRY RUN': 'yellow'} as const;

export function badgeColor(badge: string): 'red' | 'magenta' | 'yellow' | 'white' {
	return BADGE_COLORS[badge as keyof typeof BADGE_COLORS] ?? 'white';
}

function badges(production: boolean, {world, readOnly}: RunModel): string[] {
	return [production ? 'PRODUCTION' : '', world === 'rehearsal' ? 'REHEARSAL' : '', readOnly ? 'DRY RUN' : ''].filter(Boolean);
}

/** A run's header: kind, account, region and id. */
export function runTitle(run: Pick<Run, 'kind' | 'env' | 'id'> & {options: Pick<RunOptions, 'region'>}): string {
	return `${run.kind} · ${run.env} · ${run.options.region} · ${run.id}`;
}

/** Words that mark every screen of a run that is not an ordinary one. */
export function runBadges(run: Pick<Run, 'production' | 'mode'> & {options: Pick<RunOptions, 'dryRun'>}): string[] {
	return badges(run.production, runModeOf(run));
}

/** The badges the flags already call for before a run exists (the account prompt): PRODUCTION waits for the account. */
export function sessionBadges(model: RunModel): string[] {
	return badges(false, model);
}
