import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {FRAME_MS, RunStore} from '../../source/ui/run-store';
import {reduceRun} from '../../source/workflow/reducer';
import type {Run, RunEvent, RunEventInput} from '../../source/core/types';
import {newReleaseRun} from '../support/runs';

function feeder(store: RunStore) {
	let run: Run = newReleaseRun('r1');
	store.attach('release · dev', [], run);
	return (input: RunEventInput) => {
		const event = {...input, runId: run.id, at: new Date().toISOString()} as RunEvent;
		run = reduceRun(run, event);
		store.onEvent(event, run);
	};
}

describe('RunStore: when the screen hears of a change', () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it('draws a quick step’s start and end together, within one frame; log lines wait for the slow flush', () => {
		const store = new RunStore('', {}, 1000);
		const told = vi.fn();
		store.subscribe(told);
		const feed = feeder(store);
		// Attaching a run draws at once.
		expect(told).toHaveBeenCalledTimes(1);
		told.mockClear();
		feed({type: 'step', step: 'account', status: 'running'});
		feed({type: 'step', step: 'account', status: 'done'});
		expect(told).not.toHaveBeenCalled();
		vi.advanceTimersByTime(FRAME_MS);
		expect(told).toHaveBeenCalledTimes(1);
		expect(store.getState().run?.steps.find(step => step.id === 'account')?.status).toBe('done');
		expect(store.getState().completed.map(completed => completed.step.id)).toEqual(['account']);

		feed({type: 'log', step: 'resolve-version', line: 'a line'});
		vi.advanceTimersByTime(FRAME_MS);
		expect(told).toHaveBeenCalledTimes(1);
		vi.advanceTimersByTime(1000 - FRAME_MS);
		expect(told).toHaveBeenCalledTimes(2);
	});

	it('puts a question and the outcome on the screen at once', () => {
		const store = new RunStore('', {}, 1000);
		const told = vi.fn();
		store.subscribe(told);
		store.showQuestion({kind: 'confirm', message: 'Go on?', defaultValue: true});
		expect(told).toHaveBeenCalledTimes(1);
		store.setOutcome({exitCode: 0});
		expect(told).toHaveBeenCalledTimes(2);
	});
});
