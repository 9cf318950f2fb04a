/** Failures CloudFormation reports because of another failure: the cascade, not the cause. */
const CASCADE_REASON = /Resource (update|creation) cancelled|The following resource\(s\) failed to/i;

export function isCascade(reason: string): boolean {
	return CASCADE_REASON.test(reason);
}

export interface ResourceCounts {
	finished: number;
	inProgress: number;
	failed: number;
}

/** Resources by their latest status: settled, still changing, failed. */
export function countResources(statuses: Iterable<string>): ResourceCounts {
	const counts: ResourceCounts = {finished: 0, inProgress: 0, failed: 0};
	for (const status of statuses) {
		if (status.endsWith('_IN_PROGRESS')) counts.inProgress++;
		else if (status.endsWith('_FAILED')) counts.failed++;
		else counts.finished++;
	}
	return counts;
}
