import {describe, expect, it} from 'vitest';
import {initialBuildView, phaseElapsed, reduceBuildView, tailLines, type BuildViewState} from '../../source/ui/build-view';
import type {RunEvent, RunEventInput} from '../../source/core/types';

const T0 = Date.parse('2026-11-25T01:00:00.000Z');

function at(input: RunEventInput, seconds: number): RunEvent {
	return {...input, runId: 'run-1', at: new Date(T0 + seconds * 1000).toISOString()} as RunEvent;
}

function reduce(events: RunEvent[], state?: BuildViewState): BuildViewState {
	return events.reduce<BuildViewState | undefined>((current, event) => reduceBuildView(current, event), state)!;
}

describe('reduceBuildView', () => {
	it('times each phase and keeps the current activity', () => {
		const state = reduce([
			at({type: 'step', step: 'build', status: 'running'}, 0),
			at({type: 'checkpoint', step: 'build', outputs: {logPath: '/state/runs/run-1.packer.log'}}, 0),
			at({type: 'progress', step: 'build', phase: 'prevalidate', activity: 'Prevalidating AMI Name'}, 1),
			at({type: 'progress', step: 'build', phase: 'key-pair', activity: 'Creating temporary keypair: packer_1'}, 3),
			at({type: 'progress', step: 'build', phase: 'key-pair', activity: 'Creating temporary security group'}, 4),
			at({type: 'progress', step: 'build', phase: 'launch', activity: 'Launching a source AWS instance...'}, 10),
		]);
		expect(state.status).toBe('running');
		expect(state.logPath).toBe('/state/runs/run-1.packer.log');
		expect(state.activity).toBe('Launching a source AWS instance...');
		expect(state.phases.map(phase => [phase.label, phaseElapsed(phase, T0 + 15_000)])).toEqual([
			['prevalidate', 2000],
			['key pair & security group', 7000],
			['launch', 5000],
		]);
	});

	it('adds up a phase entered twice instead of listing it again', () => {
		const state = reduce([
			at({type: 'progress', step: 'build', phase: 'provision', activity: 'a'}, 0),
			at({type: 'progress', step: 'build', phase: 'stop', activity: 'b'}, 5),
			at({type: 'progress', step: 'build', phase: 'provision', activity: 'c'}, 6),
			at({type: 'step', step: 'build', status: 'done', outputs: {amiId: 'ami-1', amiIds: {'us-east-1': 'ami-1'}, logPath: '/l'}}, 9),
		]);
		expect(state.phases.map(phase => [phase.id, phaseElapsed(phase, T0 + 60_000)])).toEqual([
			['provision', 8000],
			['stop', 1000],
		]);
		expect(state.status).toBe('done');
		expect(state.amiIds).toEqual({'us-east-1': 'ami-1'});
	});

	it('keeps a fixed-size tail however many lines arrive', () => {
		let state = reduceBuildView(undefined, at({type: 'step', step: 'build', status: 'running'}, 0));
		for (let index = 0; index < 100_000; index++)
			state = reduceBuildView(state, at({type: 'log', step: 'build', line: `line ${index}`}, 1));
		expect(state.tail).toHaveLength(10);
		expect(state.lineCount).toBe(100_000);
		expect(tailLines(state)).toEqual(Array.from({length: 10}, (_, index) => `line ${99_990 + index}`));
		const long = reduceBuildView(state, at({type: 'log', step: 'build', line: 'x'.repeat(100_000)}, 2));
		expect(tailLines(long).at(-1)!.length).toBeLessThanOrEqual(501);
	});

	it('stays pure: an older state reduced again does not see lines given to its successors', () => {
		let older = reduceBuildView(undefined, at({type: 'step', step: 'build', status: 'running'}, 0));
		for (let index = 0; index < 13; index++) older = reduceBuildView(older, at({type: 'log', step: 'build', line: `line ${index}`}, 1));
		// A frozen state can still be reduced: nothing of a state is ever changed in place.
		for (const value of Object.values(older)) if (typeof value === 'object' && value !== null) Object.freeze(value);
		Object.freeze(older);
		const first = reduceBuildView(older, at({type: 'log', step: 'build', line: 'first branch'}, 1));
		const second = reduceBuildView(older, at({type: 'log', step: 'build', line: 'second branch'}, 1));
		expect(tailLines(older)).toEqual(Array.from({length: 10}, (_, index) => `line ${index + 3}`));
		expect(tailLines(first).at(-1)).toBe('first branch');
		expect(tailLines(second).at(-1)).toBe('second branch');
		expect(tailLines(second)).toHaveLength(10);
		expect(tailLines(first)).not.toContain('second branch');
	});

	it('shows the error lines of a failure, bounded', () => {
		const error = `Packer build failed (exit 1):\n${Array.from({length: 30}, (_, index) => `  error ${index}`).join('\n')}\nFull log: /l`;
		const state = reduce([
			at({type: 'step', step: 'build', status: 'running'}, 0),
			at({type: 'step', step: 'build', status: 'failed', error}, 1),
		]);
		expect(state.status).toBe('failed');
		expect(state.errors[0]).toBe('Packer build failed (exit 1):');
		expect(state.errors).toHaveLength(8);
	});

	it('ignores other steps and events, returning the same state', () => {
		const state = initialBuildView();
		expect(reduceBuildView(state, at({type: 'log', step: 'update-stack', line: 'x'}, 0))).toBe(state);
		expect(reduceBuildView(state, at({type: 'check', id: 'rack', kind: 'auto', status: 'pass', detail: ''}, 0))).toBe(state);
	});

	it('starts fresh on a new attempt and keeps the latest warning', () => {
		const first = reduce([
			at({type: 'log', step: 'build', line: 'old'}, 0),
			at({type: 'notice', step: 'build', level: 'warn', message: 'Cancelling the build'}, 1),
		]);
		expect(first.warning).toBe('Cancelling the build');
		const again = reduceBuildView(first, at({type: 'step', step: 'build', status: 'running'}, 2));
		expect(tailLines(again)).toEqual([]);
		expect(again.warning).toBeUndefined();
	});

	it('keeps the pane when a running build checkpoints its Packer pid, and never reads the log path from a notice', () => {
		const running = reduce([
			at({type: 'step', step: 'build', status: 'running'}, 0),
			at({type: 'log', step: 'build', line: 'amazon-ebs: Launching'}, 1),
		]);
		const again = reduceBuildView(running, at({type: 'checkpoint', step: 'build', outputs: {packerPid: 4242, keeperPid: 4241}}, 2));
		expect(again).toBe(running);
		expect(tailLines(again)).toEqual(['amazon-ebs: Launching']);
		const noticed = reduceBuildView(again, at({type: 'notice', step: 'build', level: 'info', message: 'Packer log: /elsewhere.log'}, 3));
		expect(noticed.logPath).toBeUndefined();
	});
});
