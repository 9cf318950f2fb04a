import {describe, expect, it} from 'vitest';
import {initialStackView, reduceStackView, type StackViewState} from '../../source/ui/stack-view';
import {instancesToReplace} from '../../source/convox/instances-to-replace';
import type {RunEvent, RunEventInput} from '../../source/core/types';
import {formatAge} from '../../source/core/format-duration';

const stamp = (event: RunEventInput): RunEvent => ({...event, runId: 'run-1', at: '2026-11-25T01:00:00.000Z'}) as RunEvent;
const stackEvent = (resource: string, status: string, second: number, reason = '', resourceType = 'AWS::AutoScaling::AutoScalingGroup') =>
	stamp({
		type: 'stack-event',
		resource,
		status,
		reason,
		resourceType,
		timestamp: new Date(Date.UTC(2026, 10, 25, 1, 0, second)).toISOString(),
	});

function play(events: RunEvent[], state: StackViewState = initialStackView(3)): StackViewState {
	return events.reduce(reduceStackView, state);
}

describe('stack view', () => {
	it('keeps a bounded tail, counts resources by their latest status and leaves the stack itself out of the counts', () => {
		const state = play([
			stackEvent('convox', 'UPDATE_IN_PROGRESS', 0, 'User Initiated', 'AWS::CloudFormation::Stack'),
			stackEvent('LaunchConfiguration', 'UPDATE_IN_PROGRESS', 1),
			stackEvent('LaunchConfiguration', 'UPDATE_COMPLETE', 2),
			stackEvent('Instances', 'UPDATE_IN_PROGRESS', 3),
			stackEvent('Logs', 'UPDATE_FAILED', 4, 'Access denied'),
		]);
		expect(state.recent.map(event => `${event.resource} ${event.status}`)).toEqual([
			'LaunchConfiguration UPDATE_COMPLETE',
			'Instances UPDATE_IN_PROGRESS',
			'Logs UPDATE_FAILED',
		]);
		expect({finished: state.finished, inProgress: state.inProgress, failed: state.failed}).toEqual({finished: 1, inProgress: 1, failed: 1});
		// Five came, three kept: the first kept is number 2 of the update, the number its row is keyed by.
		expect(state.seen).toBe(5);
		expect(state.stackStatus).toBe('UPDATE_IN_PROGRESS');
		expect(state.startedAt).toBe('2026-11-25T01:00:00.000Z');
	});

	it('holds the earliest real failure as the root cause, not the cancelled cascade', () => {
		const state = play([
			stackEvent('Balancer', 'UPDATE_FAILED', 6, 'Resource update cancelled'),
			stackEvent('Instances', 'UPDATE_FAILED', 5, 'Received 0 SUCCESS signal(s) out of 1.'),
			stackEvent(
				'convox',
				'UPDATE_ROLLBACK_IN_PROGRESS',
				7,
				'The following resource(s) failed to update: [Instances].',
				'AWS::CloudFormation::Stack',
			),
			stackEvent('Later', 'UPDATE_FAILED', 8, 'Something else'),
		]);
		expect(state.rootCause).toMatchObject({resource: 'Instances', reason: 'Received 0 SUCCESS signal(s) out of 1.'});
		expect(state.stackStatus).toBe('UPDATE_ROLLBACK_IN_PROGRESS');
	});

	it('turns a change set into a preview with the changed parameters and the instances it replaces', () => {
		const state = play([
			stamp({
				type: 'change-set',
				step: 'update-stack',
				stackName: 'convox',
				changeSetName: 'convox-ami-run-1',
				parameters: [
					{key: 'Ami', old: 'ami-old', new: 'ami-new', masked: false},
					{key: 'InstanceCount', old: '3', new: '3', masked: false},
					{key: 'Password', old: '****', new: '****', masked: true},
				],
				changes: [
					{logicalId: 'LaunchConfiguration', resourceType: 'AWS::AutoScaling::LaunchConfiguration', action: 'Modify', replacement: 'True'},
				],
				dropped: ['Certificate'],
			}),
		]);
		expect(state.changeSet).toMatchObject({
			changed: [{key: 'Ami', old: 'ami-old', new: 'ami-new', masked: false}],
			unchanged: 2,
			dropped: ['Certificate'],
			instancesToReplace: 3,
		});
	});

	it('counts standalone instances, and the whole group only when its launch configuration changes', () => {
		const instance = {logicalId: 'Bastion', resourceType: 'AWS::EC2::Instance', action: 'Modify', replacement: 'True'} as const;
		const group = {
			logicalId: 'LaunchConfiguration',
			resourceType: 'AWS::AutoScaling::LaunchConfiguration',
			action: 'Modify',
			replacement: 'True',
		} as const;
		const balancer = {
			logicalId: 'Balancer',
			resourceType: 'AWS::ElasticLoadBalancing::LoadBalancer',
			action: 'Modify',
			replacement: 'False',
		} as const;
		const count = [{key: 'InstanceCount', old: '4', new: '4', masked: false}];
		expect(instancesToReplace([balancer], count)).toBe(0);
		expect(instancesToReplace([instance, balancer], count)).toBe(1);
		expect(instancesToReplace([instance, group], count)).toBe(5);
		expect(instancesToReplace([group], [])).toBeUndefined();
	});

	it('formats ages', () => {
		const base = Date.parse('2026-11-25T01:00:00Z');
		expect(formatAge('2026-11-25T01:00:00Z', base + 42_000)).toBe('42s');
		expect(formatAge('2026-11-25T01:00:00Z', base + 185_000)).toBe('3m05s');
		expect(formatAge('2026-11-25T01:00:00Z', base + 3_720_000)).toBe('1h02m');
	});
});
