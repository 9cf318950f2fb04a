import {rollbackTargetOf} from '../workflow/follow-up';
import {outputsOf} from '../core/step-outputs';
import type {Run} from '../core/types';

export interface JournalImage {
	imageId: string;
	region: string;
	/** The account (config name) of the run. */
	account: string;
	runId: string;
}

/** What the journal knows of AMIs: those its runs built, and those a rollback of a run would put back on its rack. */
export interface JournalImages {
	built: JournalImage[];
	rollbackTargets: JournalImage[];
}

export function journalImages(runs: Run[]): JournalImages {
	const built = runs.flatMap(run => {
		const {amiId, amiIds} = outputsOf(run, 'build');
		const byRegion = {...(amiId ? {[run.options.region]: amiId} : {}), ...amiIds};
		return Object.entries(byRegion).map(([region, imageId]) => ({imageId, region, account: run.env, runId: run.id}));
	});
	const rollbackTargets = runs.flatMap(run => {
		const target = rollbackTargetOf(run);
		// An empty Ami is the stock image, which is not ours.
		return target?.ami ? [{imageId: target.ami, region: run.options.region, account: run.env, runId: run.id}] : [];
	});
	return {built, rollbackTargets};
}
