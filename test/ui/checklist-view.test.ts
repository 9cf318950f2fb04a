import {describe, expect, it} from 'vitest';
import {checklistCounts, detailParts, initialChecklistView, itemElapsed, NOTE_LIMIT, reduceChecklistView} from '../../source/ui/checklist-view';
import type {RunEvent} from '../../source/workflow/types';

const at = (second: number) => new Date(Date.UTC(2026, 10, 25, 1, 0, second)).toISOString();
const check = (second: number, id: string, status: Extract<RunEvent, {type: 'check'}>['status'], detail: string, note?: string): RunEvent => ({
	type: 'check',
	id,
	kind: 'auto',
	title: `Title ${id}`,
	required: true,
	status,
	detail,
	...(note ? {note} : {}),
	runId: 'r',
	at: at(second),
});

describe('reduceChecklistView', () => {
	it('follows each item through its states, counting attempts and timing the latest one', () => {
		const state = [
			check(0, 'hello-world', 'pending', 'queued'),
			check(1, 'hello-world', 'running', 'running'),
			check(3, 'hello-world', 'running', 'HTTP 503; attempt 1, retrying'),
			check(9, 'hello-world', 'fail', 'HTTP 503 (4 attempts)'),
			check(20, 'hello-world', 'running', 'running'),
			check(22, 'hello-world', 'pass', 'HTTP 200'),
		].reduce(reduceChecklistView, initialChecklistView());
		const [item] = state.items;
		expect(item).toMatchObject({id: 'hello-world', title: 'Title hello-world', status: 'pass', detail: 'HTTP 200', attempts: 2, startedAt: at(20), endedAt: at(22)});
		expect(itemElapsed(item!, Date.parse(at(60)))).toBe(2000);
	});

	it('keeps only the newest notes and ignores other events', () => {
		let state = initialChecklistView();
		for (let index = 0; index < 10; index++) state = reduceChecklistView(state, check(index, 'rack', 'fail', 'bad', `note ${index}`));
		state = reduceChecklistView(state, {type: 'log', step: 'build', line: 'x', runId: 'r', at: at(30)});
		expect(state.items[0]!.notes).toEqual(['note 7', 'note 8', 'note 9']);
		expect(state.items[0]!.notes).toHaveLength(NOTE_LIMIT);
	});

	it('starts from the recorded checks of a resumed run', () => {
		const state = initialChecklistView([{id: 'rack', title: 'Rack', kind: 'auto', status: 'pass', detail: 'ok', required: true, notes: [], startedAt: at(0), endedAt: at(4)}]);
		expect(checklistCounts(state)).toEqual({pass: 1, fail: 0, skipped: 0, waiting: 0, running: 0, pending: 0});
		expect(itemElapsed(state.items[0]!, 0)).toBe(4000);
	});
});

describe('detailParts', () => {
	it('splits the URLs out of a detail', () => {
		expect(detailParts('asking: Logs? https://service.sumologic.com/ui/#/search/a (since 01:00)')).toEqual([
			{text: 'asking: Logs? '},
			{url: 'https://service.sumologic.com/ui/#/search/a'},
			{text: ' (since 01:00)'},
		]);
		expect(detailParts('no links')).toEqual([{text: 'no links'}]);
	});
});
