import {render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {Clock} from '../../../source/ui/ink/clock';
import {StepList} from '../../../source/ui/ink/StepList';
import {ClockContext} from '../../../source/ui/ink/use-clock';
import type {StepRecord} from '../../../source/core/types';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 25, 1, 0, 0, ms)).toISOString();

describe('StepList', () => {
	it('draws each step as one line in its columns: mark, title, time, then a failure’s first line cut at the screen’s edge', () => {
		const steps: StepRecord[] = [
			{id: 'account', status: 'done', attempts: 1, outputs: {}, startedAt: at(0), endedAt: at(278)},
			{id: 'template', status: 'waiting', attempts: 1, outputs: {}, startedAt: at(300), endedAt: at(1300)},
			{
				id: 'build',
				status: 'failed',
				attempts: 1,
				outputs: {},
				startedAt: at(1300),
				endedAt: at(13_800),
				error: `Packer exited 1: ${'the build failed '.repeat(8)}\nsecond line`,
			},
			{id: 'update-stack', status: 'pending', attempts: 0, outputs: {}},
		];
		const {lastFrame, unmount} = render(<StepList steps={steps} />);
		const rows = (lastFrame() ?? '').split('\n');
		unmount();
		expect(rows[0]).toMatch(/^✔ Account {10}278 ms$/);
		expect(rows[1]).toMatch(/^… Template {9}1\.0 s {4}waiting for confirmation$/);
		expect(rows[2]).toMatch(/^✖ Build AMI {8}12\.5 s {3}Packer exited 1: the build failed .*…$/);
		expect(rows[2]).toHaveLength(100);
		expect(rows[3]).toMatch(/^· Update stack$/);
		expect(rows).toHaveLength(4);
	});

	afterEach(() => {
		vi.useRealTimers();
	});

	it('moves the running step’s time and spinner with the screen’s clock, the other rows as they were', async () => {
		vi.useFakeTimers({now: Date.parse(at(5000))});
		const clock = new Clock(1000);
		const steps: StepRecord[] = [
			{id: 'account', status: 'done', attempts: 1, outputs: {}, startedAt: at(0), endedAt: at(278)},
			{id: 'build', status: 'running', attempts: 1, outputs: {}, startedAt: at(1000)},
			{id: 'update-stack', status: 'pending', attempts: 0, outputs: {}},
		];
		const {lastFrame, unmount} = render(
			<ClockContext.Provider value={clock}>
				<StepList steps={steps} />
			</ClockContext.Provider>,
		);
		const before = (lastFrame() ?? '').split('\n');
		expect(before[1]).toMatch(/^⠋ Build AMI {8}4\.0 s/);
		await vi.advanceTimersByTimeAsync(3000);
		const after = (lastFrame() ?? '').split('\n');
		unmount();
		expect(after[1]).toMatch(/^⠸ Build AMI {8}7\.0 s/);
		expect([after[0], after[2]]).toEqual([before[0], before[2]]);
	});
});
