import type {EC2Client} from '@aws-sdk/client-ec2';
import {deprecateImage, deregisterImage, disableImage} from '../services/image-lifecycle';
import {savePrune, type PruneJournal, type PruneStep} from './prune-journal';
import type {PruneAction, PruneEntry} from './prune-plan';

/** Whether the image, as read now, shows the step's effect (a call of an interrupted prune may have taken effect). */
function foundDone(action: PruneAction, entry: PruneEntry | undefined): boolean {
	if (!entry) return true;
	if (action === 'disable') return entry.stage === 'disabled';
	if (action === 'deprecate') return entry.stage === 'deprecated' || (entry.stage === 'disabled' && entry.next !== 'deprecate');
	return false;
}

async function call(ec2: EC2Client, step: PruneStep, now: Date): Promise<string | undefined> {
	if (step.action === 'deprecate') await deprecateImage(ec2, step.imageId, now);
	if (step.action === 'disable') await disableImage(ec2, step.imageId);
	if (step.action === 'deregister') {
		const failures = await deregisterImage(ec2, step.imageId);
		if (failures.length > 0)
			return `deregistered, but these snapshots were not deleted: ${failures.map(f => `${f.snapshotId} (${f.code})`).join(', ')}`;
	}
	return undefined;
}

/**
 * Makes the journal's pending calls, one at a time, each journaled before and after. `plan` is what
 * was read just now: a call whose effect is already there is not made again, and a call the plan no
 * longer wants (the image is in use again, or gone) is skipped. A refused call is recorded and the
 * rest goes on.
 */
export async function carryOutPrune(options: {
	journal: PruneJournal;
	plan: PruneEntry[];
	ec2For: (accountId: string, region: string) => EC2Client;
	stateDir: string;
	now: Date;
	onStep: (step: PruneStep) => void;
}): Promise<void> {
	const {journal, plan, stateDir} = options;
	const settle = (step: PruneStep, status: PruneStep['status'], detail?: string) => {
		step.status = status;
		step.at = new Date().toISOString();
		if (detail) step.detail = detail;
		else delete step.detail;
		savePrune(stateDir, journal);
		if (status !== 'running') options.onStep(step);
	};
	for (const step of journal.steps) {
		if (step.status === 'done' || step.status === 'failed' || step.status === 'skipped') continue;
		const entry = plan.find(
			candidate => candidate.accountId === step.accountId && candidate.region === step.region && candidate.imageId === step.imageId,
		);
		if (foundDone(step.action, entry)) {
			settle(step, 'done', 'found done: an earlier, interrupted prune made this call');
			continue;
		}
		if (entry?.next !== step.action) {
			settle(step, 'skipped', entry ? `now kept: ${entry.why}` : 'the image is gone');
			continue;
		}
		settle(step, 'running');
		try {
			settle(step, 'done', await call(options.ec2For(step.accountId, step.region), step, options.now));
		} catch (error) {
			const {name, message} = error as Error;
			settle(step, 'failed', `${name}: ${message}`);
		}
	}
	journal.status = 'finished';
	journal.finishedAt = new Date().toISOString();
	savePrune(stateDir, journal);
}
