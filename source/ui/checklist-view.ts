import type {CheckRecord} from '../core/types';

/** The pane shows the newest notes of an item, at most this many. */
export const NOTE_LIMIT = 3;

export interface ChecklistCounts {
	pass: number;
	fail: number;
	skipped: number;
	waiting: number;
	running: number;
	pending: number;
}

export function checklistCounts(checks: CheckRecord[]): ChecklistCounts {
	const counts: ChecklistCounts = {pass: 0, fail: 0, skipped: 0, waiting: 0, running: 0, pending: 0};
	for (const check of checks) counts[check.status]++;
	return counts;
}

/** How long the item has run, or ran: from its latest start to its end (or `now`). */
export function itemElapsed(check: CheckRecord, now: number): number | undefined {
	if (!check.startedAt) return undefined;
	return (check.endedAt ? Date.parse(check.endedAt) : now) - Date.parse(check.startedAt);
}

export type DetailPart = {text: string} | {url: string};

/** A detail split around its URLs, so that a renderer can make them clickable. */
export function detailParts(detail: string): DetailPart[] {
	const parts: DetailPart[] = [];
	let rest = 0;
	for (const match of detail.matchAll(/https?:\/\/[^\s)]+/g)) {
		if (match.index > rest) parts.push({text: detail.slice(rest, match.index)});
		parts.push({url: match[0]});
		rest = match.index + match[0].length;
	}
	if (rest < detail.length) parts.push({text: detail.slice(rest)});
	return parts;
}
