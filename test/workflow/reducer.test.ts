import {describe, expect, it} from 'vitest';
import {createRun, firstUnfinishedStep, newRunId} from '../../source/workflow/plan';
import {isJournaled, reduceRun} from '../../source/workflow/reducer';
import type {RunEvent, RunEventInput} from '../../source/core/types';

const base = () =>
	createRun({
		id: 'r1',
		kind: 'release',
		account: 'dev',
		mode: 'live',
		production: false,
		options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
		now: new Date('2026-11-25T00:00:00Z'),
	});

let clock = 0;
const at = (input: RunEventInput): RunEvent =>
	({...input, runId: 'r1', at: new Date(Date.UTC(2026, 10, 25, 0, 0, ++clock)).toISOString()}) as RunEvent;

describe('reduceRun', () => {
	it('plans the steps of each kind', () => {
		expect(base().steps.map(step => step.id)).toEqual(['account', 'resolve-version', 'template', 'build', 'update-stack', 'verify']);
		const checklist = createRun({
			id: 'c',
			kind: 'checklist',
			account: 'dev',
			mode: 'live',
			production: false,
			options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
		});
		expect(checklist.steps.map(step => step.id)).toEqual(['account', 'verify']);
	});

	it('records a step from running to done with times, attempts and outputs', () => {
		let run = reduceRun(base(), at({type: 'step', step: 'account', status: 'running'}));
		expect(run.steps[0]).toMatchObject({status: 'running', attempts: 1});
		expect(run.steps[0]?.startedAt).toBeDefined();
		run = reduceRun(run, at({type: 'step', step: 'account', status: 'done', outputs: {accountId: '111111111111'}}));
		expect(run.steps[0]).toMatchObject({status: 'done', outputs: {accountId: '111111111111'}});
		expect(Date.parse(run.steps[0]!.endedAt!)).toBeGreaterThan(Date.parse(run.steps[0]!.startedAt!));
		expect(firstUnfinishedStep(run)).toBe('resolve-version');
	});

	it('merges a checkpoint into the outputs of a running step without touching its status or attempts, and counts retries', () => {
		let run = reduceRun(base(), at({type: 'step', step: 'update-stack', status: 'running'}));
		const started = run.steps[4]!.startedAt;
		run = reduceRun(run, at({type: 'checkpoint', step: 'update-stack', outputs: {changeSetName: 'cs-1', previousAmi: 'ami-old'}}));
		expect(run.steps[4]).toMatchObject({
			status: 'running',
			attempts: 1,
			startedAt: started,
			outputs: {changeSetName: 'cs-1', previousAmi: 'ami-old'},
		});
		expect(isJournaled(at({type: 'checkpoint', step: 'update-stack', outputs: {changeSetName: 'cs-1'}}))).toBe(true);
		run = reduceRun(run, at({type: 'checkpoint', step: 'update-stack', outputs: {previousVersion: '20260101000000'}}));
		expect(run.steps[4]?.outputs).toEqual({changeSetName: 'cs-1', previousAmi: 'ami-old', previousVersion: '20260101000000'});
		run = reduceRun(run, at({type: 'step', step: 'update-stack', status: 'failed', error: 'boom'}));
		expect(run.steps[4]).toMatchObject({status: 'failed', error: 'boom'});
		run = reduceRun(run, at({type: 'step', step: 'update-stack', status: 'running'}));
		expect(run.steps[4]).toMatchObject({status: 'running', attempts: 2, outputs: {changeSetName: 'cs-1'}});
		expect(run.steps[4]?.error).toBeUndefined();
	});

	it('a checkpoint of a step the run does not plan changes nothing but the time', () => {
		const checklist = createRun({
			id: 'c',
			kind: 'checklist',
			account: 'dev',
			mode: 'live',
			production: false,
			options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
		});
		const next = reduceRun(checklist, at({type: 'checkpoint', step: 'build', outputs: {packerPid: 42}}));
		expect(next.steps).toEqual(checklist.steps);
	});

	it('appends a history event to the run history, journaled', () => {
		const event = at({type: 'history', message: 'Rollback run r2 started.'});
		const run = reduceRun(base(), event);
		expect(run.history).toEqual([{at: event.at, message: 'Rollback run r2 started.'}]);
		expect(run.updatedAt).toBe(event.at);
		expect(isJournaled(event)).toBe(true);
	});

	it('upserts checks and appends notes', () => {
		let run = reduceRun(base(), at({type: 'check', id: 'rack', kind: 'auto', status: 'running', detail: '', title: 'convox rack'}));
		run = reduceRun(run, at({type: 'check', id: 'rack', kind: 'auto', status: 'fail', detail: 'exit 1', note: 'flaky'}));
		expect(run.checks).toHaveLength(1);
		expect(run.checks[0]).toMatchObject({id: 'rack', title: 'convox rack', status: 'fail', detail: 'exit 1', notes: ['flaky']});
	});

	it('tracks the run status and records interruptions in its history', () => {
		let run = reduceRun(
			base(),
			at({type: 'run', status: 'interrupted', env: 'dev', mode: 'live', kind: 'release', message: 'Interrupted during build.'}),
		);
		expect(run.status).toBe('interrupted');
		run = reduceRun(run, at({type: 'run', status: 'resumed', env: 'dev', mode: 'live', kind: 'release', message: 'Resumed at build.'}));
		expect(run.status).toBe('running');
		expect(run.history.map(entry => entry.message)).toEqual(['Interrupted during build.', 'Resumed at build.']);
	});

	it('is pure: the input run is never changed', () => {
		const run = base();
		const copy = structuredClone(run);
		reduceRun(run, at({type: 'step', step: 'account', status: 'running'}));
		expect(run).toEqual(copy);
	});

	it('journals what must survive a crash, not the flood', () => {
		expect(isJournaled(at({type: 'log', step: 'build', line: 'x'}))).toBe(false);
		expect(isJournaled(at({type: 'stack-event', resource: 'a', status: 'b', reason: '', timestamp: ''}))).toBe(false);
		expect(isJournaled(at({type: 'step', step: 'build', status: 'running'}))).toBe(true);
	});

	it('makes sortable, readable run ids', () => {
		expect(newRunId('dev', new Date('2026-11-25T01:02:03Z'), () => 0.5)).toMatch(/^20261125-010203-dev-[0-9a-z]{4}$/);
	});
});
