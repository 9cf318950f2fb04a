import {
	CloudFormationClient,
	DescribeStackEventsCommand,
	DescribeStacksCommand,
	type DescribeStacksCommandOutput,
	type StackEvent,
	type StackStatus,
} from '@aws-sdk/client-cloudformation';
import {mockClient} from 'aws-sdk-client-mock';
import {afterEach, describe, expect, it} from 'vitest';
import {StackWatcher, type StackEventRecord} from '../../../source/services/cloudformation/events';
import {judgeOutcome} from '../../../source/services/cloudformation/outcome';
import {describeStack} from '../../../source/services/cloudformation/stack';

const cloudformation = mockClient(CloudFormationClient);
const client = new CloudFormationClient({region: 'us-east-1', credentials: {accessKeyId: 'AKIDTEST', secretAccessKey: 'secret'}});
const expected = {amiId: 'ami-new', convoxVersion: '20160916121812'};

afterEach(() => cloudformation.reset());

function stackWith(status: string, ami: string, version: string): DescribeStacksCommandOutput {
	return {
		Stacks: [
			{
				StackName: 'convox',
				StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/convox/1',
				StackStatus: status as StackStatus,
				CreationTime: new Date('2016-01-01T00:00:00Z'),
				Parameters: [
					{ParameterKey: 'Ami', ParameterValue: ami},
					{ParameterKey: 'Version', ParameterValue: version},
				],
			},
		],
		$metadata: {},
	};
}

let clock = Date.parse('2016-09-16T16:40:00Z');
function event(resource: string, status: string, reason = '', type = 'AWS::AutoScaling::AutoScalingGroup'): StackEvent {
	clock += 1000;
	return {
		StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/convox/1',
		StackName: 'convox',
		EventId: `${resource}-${status}-${clock}`,
		LogicalResourceId: resource,
		ResourceType: resource === 'convox' ? 'AWS::CloudFormation::Stack' : type,
		ResourceStatus: status as StackEvent['ResourceStatus'],
		ResourceStatusReason: reason,
		Timestamp: new Date(clock),
	};
}

/**
 * Plays the rollback: each status read reveals one more batch of events (DescribeStackEvents shows
 * them newest first, as CloudFormation does), the stack rolling back until the last batch is out.
 */
async function watchRollback(batches: StackEvent[][]) {
	const shown: StackEvent[] = [];
	let revealed = 0;
	cloudformation.on(DescribeStackEventsCommand).callsFake(() => ({StackEvents: [...shown].reverse()}));
	cloudformation.on(DescribeStacksCommand).callsFake(() => {
		if (revealed < batches.length) shown.push(...batches[revealed++]!);
		return stackWith(revealed < batches.length ? 'UPDATE_ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_COMPLETE', 'ami-old', 'dev');
	});
	const received: StackEventRecord[] = [];
	const watcher = new StackWatcher({
		client,
		stackName: 'convox',
		started: true,
		intervals: {minMs: 1, maxMs: 5, factor: 2},
		onEvent: record => received.push(record),
	});
	const result = await watcher.watch(new AbortController().signal);
	return {watcher, received, result};
}

describe('judgeOutcome', () => {
	it('takes UPDATE_COMPLETE with our Ami and Version as success', async () => {
		cloudformation.on(DescribeStacksCommand).resolves(stackWith('UPDATE_COMPLETE', 'ami-new', '20160916121812'));
		expect(judgeOutcome(await describeStack(client, 'convox'), expected)).toEqual({ok: true, status: 'UPDATE_COMPLETE'});
	});

	it('refuses UPDATE_COMPLETE with other values', async () => {
		cloudformation.on(DescribeStacksCommand).resolves(stackWith('UPDATE_COMPLETE', 'ami-other', '20160916121812'));
		const outcome = judgeOutcome(await describeStack(client, 'convox'), expected);
		expect(outcome.ok).toBe(false);
		expect(outcome.ok ? '' : outcome.message).toContain('ami-other');
	});

	it.each(['UPDATE_ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED', 'UPDATE_ROLLBACK_IN_PROGRESS'])(
		'never takes %s as success, even with our values',
		async status => {
			cloudformation.on(DescribeStacksCommand).resolves(stackWith(status, 'ami-new', '20160916121812'));
			const outcome = judgeOutcome(await describeStack(client, 'convox'), expected);
			expect(outcome).toMatchObject({ok: false, status});
		},
	);

	it('names the root cause, not the cancelled siblings or the stack summary', async () => {
		const {watcher, received, result} = await watchRollback([
			[
				event('convox', 'UPDATE_IN_PROGRESS', 'User Initiated'),
				event('LaunchConfiguration', 'UPDATE_IN_PROGRESS', '', 'AWS::AutoScaling::LaunchConfiguration'),
			],
			[
				event('LaunchConfiguration', 'UPDATE_COMPLETE', '', 'AWS::AutoScaling::LaunchConfiguration'),
				event('Instances', 'UPDATE_IN_PROGRESS'),
			],
			[
				event(
					'Instances',
					'UPDATE_FAILED',
					'Received 0 SUCCESS signal(s) out of 1. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement',
				),
				event('ApiBalancer', 'UPDATE_FAILED', 'Resource update cancelled', 'AWS::ElasticLoadBalancing::LoadBalancer'),
				event('convox', 'UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [Instances, ApiBalancer].'),
			],
			[event('Instances', 'UPDATE_COMPLETE'), event('convox', 'UPDATE_ROLLBACK_COMPLETE')],
		]);
		expect(result.kind).toBe('settled');
		expect(received.map(record => record.eventId)).toEqual([...new Set(received.map(record => record.eventId))]);
		expect(received).toHaveLength(9);
		const timestamps = received.map(record => record.timestamp.getTime());
		expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));

		const root = watcher.rootCause();
		expect(root?.resource).toBe('Instances');
		if (result.kind !== 'settled') throw new Error('not settled');
		const outcome = judgeOutcome(result.stack, expected, root);
		expect(outcome.ok).toBe(false);
		expect(outcome.ok ? '' : outcome.message).toMatch(/rolled it back \(UPDATE_ROLLBACK_COMPLETE\).*Instances .*Received 0 SUCCESS signal/);
	});
});

describe('StackWatcher', () => {
	it('keeps polling through throttling that outlasts the SDK retries', async () => {
		const throttled = Object.assign(new Error('Rate exceeded'), {name: 'Throttling', $retryable: {throttling: true}});
		cloudformation
			.on(DescribeStackEventsCommand)
			.rejectsOnce(throttled)
			.resolves({StackEvents: [event('convox', 'UPDATE_COMPLETE')]});
		cloudformation.on(DescribeStacksCommand).resolves(stackWith('UPDATE_COMPLETE', 'ami-new', '20160916121812'));
		const received: StackEventRecord[] = [];
		const watcher = new StackWatcher({
			client,
			stackName: 'convox',
			started: true,
			intervals: {minMs: 1, maxMs: 5, factor: 2},
			onEvent: record => received.push(record),
		});
		const result = await watcher.watch(new AbortController().signal);
		expect(result.kind).toBe('settled');
		expect(received.map(record => record.status)).toEqual(['UPDATE_COMPLETE']);
		expect(cloudformation.commandCalls(DescribeStackEventsCommand).length).toBeGreaterThanOrEqual(2);
	});

	it('reports only events after markExisting, and stops at the deadline while the update goes on', async () => {
		const old = event('convox', 'UPDATE_COMPLETE');
		const fresh = event('convox', 'UPDATE_IN_PROGRESS', 'User Initiated');
		cloudformation
			.on(DescribeStackEventsCommand)
			.resolvesOnce({StackEvents: [old]})
			.resolves({StackEvents: [fresh, old]});
		cloudformation.on(DescribeStacksCommand).resolves(stackWith('UPDATE_IN_PROGRESS', 'ami-old', 'dev'));
		const received: StackEventRecord[] = [];
		const watcher = new StackWatcher({
			client,
			stackName: 'convox',
			intervals: {minMs: 1, maxMs: 5, factor: 2},
			onEvent: record => received.push(record),
		});
		await watcher.markExisting();
		const result = await watcher.watch(new AbortController().signal, Date.now() + 50);
		expect(result).toEqual({kind: 'timed-out', status: 'UPDATE_IN_PROGRESS'});
		expect(received.map(record => record.eventId)).toEqual([fresh.EventId]);
	});

	it('takes a settled status right after execute as "not begun yet" until the update shows', async () => {
		let calls = 0;
		cloudformation.on(DescribeStackEventsCommand).resolves({StackEvents: []});
		cloudformation
			.on(DescribeStacksCommand)
			.callsFake(() =>
				stackWith(++calls < 3 ? 'UPDATE_COMPLETE' : calls < 5 ? 'UPDATE_IN_PROGRESS' : 'UPDATE_COMPLETE', 'ami-new', '20160916121812'),
			);
		const watcher = new StackWatcher({client, stackName: 'convox', intervals: {minMs: 1, maxMs: 2, factor: 2}, onEvent: () => undefined});
		const result = await watcher.watch(new AbortController().signal);
		expect(result.kind).toBe('settled');
		expect(calls).toBe(5);
	});

	it('returns at once when stopped', async () => {
		cloudformation.on(DescribeStackEventsCommand).resolves({StackEvents: []});
		cloudformation.on(DescribeStacksCommand).resolves(stackWith('UPDATE_IN_PROGRESS', 'ami-old', 'dev'));
		const stop = new AbortController();
		const watcher = new StackWatcher({
			client,
			stackName: 'convox',
			started: true,
			intervals: {minMs: 10_000, maxMs: 10_000, factor: 1},
			onEvent: () => undefined,
		});
		setTimeout(() => stop.abort(), 20);
		const started = Date.now();
		expect(await watcher.watch(stop.signal)).toEqual({kind: 'stopped', status: 'UPDATE_IN_PROGRESS'});
		expect(Date.now() - started).toBeLessThan(1000);
	});
});
