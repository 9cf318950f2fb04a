import {render} from 'ink-testing-library';
import {describe, expect, it, vi} from 'vitest';
import {Clock} from '../../../source/ui/ink/clock';
import {ClockContext} from '../../../source/ui/ink/use-clock';
import {StackPane} from '../../../source/ui/ink/StackPane';
import {initialStackView, reduceStackView} from '../../../source/ui/stack-view';
import type {RunEvent} from '../../../source/core/types';

const at = (second: number) => new Date(Date.UTC(2026, 10, 25, 1, 0, second)).toISOString();
const events: RunEvent[] = [
	{
		type: 'stack-event',
		resource: 'convox',
		status: 'UPDATE_IN_PROGRESS',
		reason: 'User Initiated',
		resourceType: 'AWS::CloudFormation::Stack',
		timestamp: at(0),
		runId: 'r',
		at: at(0),
	},
	{
		type: 'stack-event',
		resource: 'LaunchConfiguration',
		status: 'UPDATE_COMPLETE',
		reason: '',
		resourceType: 'AWS::AutoScaling::LaunchConfiguration',
		timestamp: at(10),
		runId: 'r',
		at: at(10),
	},
	{
		type: 'stack-event',
		resource: 'Instances',
		status: 'UPDATE_FAILED',
		reason: 'Received 0 SUCCESS signal(s)',
		resourceType: 'AWS::AutoScaling::AutoScalingGroup',
		timestamp: at(20),
		runId: 'r',
		at: at(20),
	},
	{
		type: 'stack-event',
		resource: 'convox',
		status: 'UPDATE_ROLLBACK_IN_PROGRESS',
		reason: 'The following resource(s) failed to update: [Instances].',
		resourceType: 'AWS::CloudFormation::Stack',
		timestamp: at(21),
		runId: 'r',
		at: at(21),
	},
];

describe('StackPane', () => {
	it('shows the live events with their time of day, the counts, the elapsed time and the root cause', () => {
		const state = events.reduce(reduceStackView, initialStackView(10));
		const {lastFrame, unmount} = render(<StackPane state={state} now={Date.parse(at(75))} />);
		const frame = lastFrame() ?? '';
		unmount();
		expect(frame).toContain('UPDATE_ROLLBACK_IN_PROGRESS · 1 finished, 0 in change, 1 failed · 1m15s elapsed');
		expect(frame).toMatch(/01:00:10 LaunchConfiguration\s+UPDATE_COMPLETE/);
		expect(frame).toMatch(/01:00:20 Instances\s+UPDATE_FAILED\s+Received 0 SUCCESS signal/);
		expect(frame).toContain('First failure: Instances UPDATE_FAILED: Received 0 SUCCESS signal(s)');
	});

	it('keeps each event on one line in its columns: a long resource cut with …, the reason cut at the screen’s edge', () => {
		const long: RunEvent = {
			...(events[2] as Extract<RunEvent, {type: 'stack-event'}>),
			resource: 'InstancesAutoScalingGroupWithALongName',
			reason: `Received 0 SUCCESS signal(s) ${'and more '.repeat(20)}`,
		};
		const state = [events[0]!, long].reduce(reduceStackView, initialStackView(10));
		const {lastFrame, unmount} = render(<StackPane state={state} now={Date.parse(at(30))} />);
		const rows = (lastFrame() ?? '').split('\n');
		unmount();
		const row = rows.find(line => line.includes('InstancesAutoScaling'))!;
		expect(row).toMatch(/^01:00:20 InstancesAutoScalingGro… UPDATE_FAILED {18}Received 0 SUCCESS signal\(s\) and m…$/);
		expect(row.endsWith('…')).toBe(true);
		expect(row).toHaveLength(100);
		// The reason takes no second line: the root cause comes next.
		expect(rows[rows.indexOf(row) + 1]).toMatch(/^First failure: InstancesAutoScalingGroupWithALongName/);
	});

	it('shows the change set preview until the stack moves', () => {
		const preview = reduceStackView(undefined, {
			type: 'change-set',
			step: 'update-stack',
			stackName: 'convox',
			changeSetName: 'convox-ami-r',
			parameters: [{key: 'Ami', old: 'ami-old', new: 'ami-new', masked: false}],
			changes: [],
			dropped: [],
			runId: 'r',
			at: at(0),
		});
		const before = render(<StackPane state={preview} now={Date.parse(at(1))} />);
		expect(before.lastFrame()).toContain('Ami: ami-old → ami-new');
		before.unmount();
		const after = render(<StackPane state={reduceStackView(preview, events[0]!)} now={Date.parse(at(1))} />);
		expect(after.lastFrame()).not.toContain('Ami: ami-old → ami-new');
		expect(after.lastFrame()).toMatch(/01:00:00 convox\s+UPDATE_IN_PROGRESS\s+User Initiated/);
		after.unmount();
	});

	it('moves only its summary with the clock: an event’s row reads the same a minute later', () => {
		const state = events.reduce(reduceStackView, initialStackView(10));
		const frames = [30, 90].map(second => {
			const {lastFrame, unmount} = render(<StackPane state={state} now={Date.parse(at(second))} />);
			const rows = (lastFrame() ?? '').split('\n');
			unmount();
			return rows;
		});
		expect(frames[0]![0]).toContain('· 30s elapsed');
		expect(frames[1]![0]).toContain('· 1m30s elapsed');
		expect(frames[1]!.slice(1)).toEqual(frames[0]!.slice(1));
	});

	it('moves its elapsed time with the screen’s clock', async () => {
		vi.useFakeTimers({now: Date.parse(at(30))});
		const clock = new Clock(1000);
		const state = events.reduce(reduceStackView, initialStackView(10));
		const {lastFrame, unmount} = render(
			<ClockContext.Provider value={clock}>
				<StackPane state={state} />
			</ClockContext.Provider>,
		);
		const before = (lastFrame() ?? '').split('\n');
		await vi.advanceTimersByTimeAsync(60_000);
		const after = (lastFrame() ?? '').split('\n');
		unmount();
		vi.useRealTimers();
		expect(before[0]).toContain('· 30s elapsed');
		expect(after[0]).toContain('· 1m30s elapsed');
		expect(after.slice(1)).toEqual(before.slice(1));
	});

	it('says it waits before the first event', () => {
		const {lastFrame, unmount} = render(<StackPane state={initialStackView()} />);
		const frame = lastFrame() ?? '';
		unmount();
		expect(frame).toContain('waiting for events · 0 finished, 0 in change, 0 failed');
	});
});
