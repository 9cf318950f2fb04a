import type {CheckKind, CheckRecord, CheckStatus, RunEvent} from '../workflow/types';

export interface ChecklistItemView {
	id: string;
	title: string;
	kind: CheckKind;
	status: CheckStatus;
	detail: string;
	required: boolean;
	/** The newest notes, at most NOTE_LIMIT. */
	notes: string[];
	/** Times the item started running (a retry starts it again). */
	attempts: number;
	startedAt?: string;
	endedAt?: string;
}

export interface ChecklistViewState {
	items: ChecklistItemView[];
}

export const NOTE_LIMIT = 3;

/** Seeded with the run's recorded checks, so that a resumed run shows what already passed. */
export function initialChecklistView(checks: CheckRecord[] = []): ChecklistViewState {
	return {
		items: checks.map(check => ({
			id: check.id,
			title: check.title,
			kind: check.kind,
			status: check.status,
			detail: check.detail,
			required: check.required,
			notes: check.notes.slice(-NOTE_LIMIT),
			attempts: check.startedAt ? 1 : 0,
			startedAt: check.startedAt,
			endedAt: check.endedAt,
		})),
	};
}

export function reduceChecklistView(state: ChecklistViewState, event: RunEvent): ChecklistViewState {
	if (event.type !== 'check') return state;
	const existing = state.items.find(item => item.id === event.id);
	const base: ChecklistItemView = existing ?? {
		id: event.id,
		title: event.title ?? event.id,
		kind: event.kind,
		status: 'pending',
		detail: '',
		required: event.required ?? true,
		notes: [],
		attempts: 0,
	};
	const starts = event.status === 'running' && base.status !== 'running';
	const settles = event.status !== 'running' && event.status !== 'pending';
	const next: ChecklistItemView = {
		...base,
		title: event.title ?? base.title,
		kind: event.kind,
		status: event.status,
		detail: event.detail,
		required: event.required ?? base.required,
		notes: event.note ? [...base.notes, event.note].slice(-NOTE_LIMIT) : base.notes,
		attempts: starts ? base.attempts + 1 : base.attempts,
		startedAt: starts ? event.at : base.startedAt,
		endedAt: settles ? event.at : starts ? undefined : base.endedAt,
	};
	return {items: existing ? state.items.map(item => (item.id === event.id ? next : item)) : [...state.items, next]};
}

export interface ChecklistCounts {
	pass: number;
	fail: number;
	skipped: number;
	waiting: number;
	running: number;
	pending: number;
}

export function checklistCounts(state: ChecklistViewState): ChecklistCounts {
	const counts: ChecklistCounts = {pass: 0, fail: 0, skipped: 0, waiting: 0, running: 0, pending: 0};
	for (const item of state.items) counts[item.status]++;
	return counts;
}

/** How long the item has run, or ran: from its latest start to its end (or `now`). */
export function itemElapsed(item: ChecklistItemView, now: number): number | undefined {
	if (!item.startedAt) return undefined;
	return (item.endedAt ? Date.parse(item.endedAt) : now) - Date.parse(item.startedAt);
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
