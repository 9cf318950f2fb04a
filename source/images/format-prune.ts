import {alignedTable} from '../core/aligned-table';
import type {RecycleBinRule} from '../services/recycle-bin';
import {shortAccount} from './format-images';
import type {PruneStep} from './prune-journal';
import type {PruneEntry} from './prune-plan';

const COLUMNS: Array<[title: string, cell: (entry: PruneEntry) => string]> = [
	['IMAGE', entry => entry.imageId],
	['REGION', entry => entry.region],
	['ACCOUNT', entry => shortAccount(entry.account)],
	['AGE', entry => (entry.ageDays === null ? '' : `${entry.ageDays}d`)],
	['STAGE', entry => entry.stage],
	['NEXT', entry => entry.next ?? ''],
	['RULE', entry => entry.rule],
	['WHY', entry => entry.why],
];

/** The plan: every image with its stage now, the stage it moves to, and the rule that decides it. */
export function formatPruneTable(plan: PruneEntry[]): string {
	return alignedTable([COLUMNS.map(([title]) => title), ...plan.map(entry => COLUMNS.map(([, cell]) => cell(entry) || '-'))]);
}

/** `2 to deprecate, 1 to deregister (1 snapshot, 8 GiB); 9 kept, 3 waiting out their grace`. */
export function pruneSummary(plan: PruneEntry[]): string {
	const count = (action: string) => plan.filter(entry => entry.next === action).length;
	const leaving = plan.filter(entry => entry.next === 'deregister').flatMap(entry => entry.snapshots);
	const gib = leaving.reduce((sum, snapshot) => sum + snapshot.sizeGiB, 0);
	const changes = [
		...(count('deprecate') ? [`${count('deprecate')} to deprecate`] : []),
		...(count('disable') ? [`${count('disable')} to disable`] : []),
		...(count('deregister') ? [`${count('deregister')} to deregister (${leaving.length} snapshot(s), ${gib} GiB)`] : []),
	];
	const kept = plan.filter(entry => entry.rule !== 'retire' && entry.rule !== 'grace').length;
	const waiting = plan.filter(entry => entry.rule === 'grace').length;
	return `${changes.length > 0 ? changes.join(', ') : 'Nothing to change'}; ${kept} kept${waiting ? `, ${waiting} waiting out their grace period` : ''}.`;
}

export function formatPruneStep(step: PruneStep): string {
	const mark = {done: '✓', failed: '✗', skipped: '-', pending: ' ', running: '…'}[step.status];
	return `${mark} ${step.action} ${step.imageId} (${step.region}): ${step.status}${step.detail ? `, ${step.detail}` : ''}`;
}

/** What Recycle Bin does for the AMIs deregistered in one account and region, said before they are. */
export function recycleBinLine(where: string, rules: RecycleBinRule[] | {unread: string}): string {
	if ('unread' in rules) {
		return `Recycle Bin in ${where} not checked (${rules.unread}): unless a retention rule for EC2 images covers them, deregistered AMIs cannot be restored.`;
	}
	if (rules.length === 0) return `Recycle Bin in ${where}: no retention rule for EC2 images. A deregistered AMI cannot be restored.`;
	const named = rules.map(
		rule =>
			`rule ${rule.id}${rule.description ? ` (${rule.description})` : ''} keeps ${rule.resourceTags.length > 0 ? `AMIs tagged ${rule.resourceTags.join(', ')}` : 'every AMI'}${rule.excludedTags.length > 0 ? ` except those tagged ${rule.excludedTags.join(', ')}` : ''} for ${rule.retention}`,
	);
	return `Recycle Bin in ${where}: ${named.join('; ')}. A deregistered AMI it covers can be restored (aws ec2 restore-image-from-recycle-bin).`;
}
