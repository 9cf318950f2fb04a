import {describe, expect, it} from 'vitest';
import {checklistCounts, detailParts, itemElapsed} from '../../source/ui/checklist-view';
import {createRun} from '../../source/workflow/plan';
import {reduceRun} from '../../source/workflow/reducer';
import type {Run, RunEvent} from '../../source/core/types';

const at = (second: number) => new Date(Date.UTC(2026, 10, 25, 1, 0, second)).toISOString();
const check = (
	second: number,
	id: string,
	status: Extract<RunEvent, {type: 'check'}>['status'],
	detail: string,
	note?: string,
): RunEvent => ({
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

const newRun = (): Run =>
	createRun({
		id: 'r',
		kind: 'checklist',
		account: 'dev',
		mode: 'live',
		production: false,
		options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
	});

describe('the checklist as the run records it', () => {
	it('follows each item through its states, counting attempts and timing the latest one', () => {
		const {checks} = [
			check(0, 'hello-world', 'pending', 'queued'),
			check(1, 'hello-world', 'running', 'running'),
			check(3, 'hello-world', 'running', 'HTTP 503; attempt 1, retrying'),
			check(9, 'hello-world', 'fail', 'HTTP 503 (4 attempts)'),
			check(20, 'hello-world', 'running', 'running'),
			check(22, 'hello-world', 'pass', 'HTTP 200'),
		].reduce(reduceRun, newRun());
		const [item] = checks;
		expect(item).toMatchObject({
			id: 'hello-world',
			title: 'Title hello-world',
			status: 'pass',
			detail: 'HTTP 200',
			attempts: 2,
			startedAt: at(20),
			endedAt: at(22),
		});
		expect(itemElapsed(item!, Date.parse(at(60)))).toBe(2000);
	});

	it('counts the items by status and times a finished one', () => {
		const {checks} = [
			check(0, 'rack', 'running', 'running'),
			check(4, 'rack', 'pass', 'ok'),
			check(5, 'librato', 'running', 'running'),
		].reduce(reduceRun, newRun());
		expect(checklistCounts(checks)).toEqual({pass: 1, fail: 0, skipped: 0, waiting: 0, running: 1, pending: 0});
		expect(itemElapsed(checks[0]!, 0)).toBe(4000);
		expect(itemElapsed(checks[1]!, Date.parse(at(7)))).toBe(2000);
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
