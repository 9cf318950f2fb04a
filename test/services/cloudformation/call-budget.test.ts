import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {rackStackSeed, startAwsStandIn, type AwsStandIn} from '../../../source/rehearsal/aws-stand-in';
import {callBudgetFor, withCallBudget} from '../../../source/services/cloudformation/call-budget';

let aws: AwsStandIn | undefined;
afterEach(async () => {
	vi.useRealTimers();
	await aws?.close();
});

function client(url: string): CloudFormationClient {
	return new CloudFormationClient({
		region: 'us-east-1',
		endpoint: url,
		credentials: {accessKeyId: 'AKIATEST', secretAccessKey: 'secret'},
		maxAttempts: 3,
		retryMode: 'standard',
	});
}

describe('callBudgetFor and withCallBudget', () => {
	it('paces every take of one budget: 10 calls at 20 per second take about half a second', async () => {
		const budget = callBudgetFor('pace', 'us-east-1', 20);
		const started = Date.now();
		await Promise.all(Array.from({length: 10}, () => budget.take()));
		const elapsed = Date.now() - started;
		expect(elapsed).toBeGreaterThanOrEqual(400);
		expect(elapsed).toBeLessThan(1500);
	});

	it('a throttle halves the pace for everyone; it recovers step by step once the slow period is over', async () => {
		vi.useFakeTimers({toFake: ['Date'], now: 0});
		const budget = callBudgetFor('throttle', 'us-east-1', 4);
		budget.throttled();
		expect(budget.callsPerSecond).toBe(2);
		budget.throttled();
		expect(budget.callsPerSecond).toBe(1);
		vi.setSystemTime(31_000);
		await budget.take();
		expect(budget.callsPerSecond).toBe(2);
		vi.setSystemTime(62_000);
		await budget.take();
		expect(budget.callsPerSecond).toBe(4);
	});

	it('one budget per account and region', () => {
		expect(callBudgetFor('111111111111', 'us-east-1')).toBe(callBudgetFor('111111111111', 'us-east-1'));
		expect(callBudgetFor('111111111111', 'eu-west-1')).not.toBe(callBudgetFor('111111111111', 'us-east-1'));
		expect(callBudgetFor('222222222222', 'us-east-1')).not.toBe(callBudgetFor('111111111111', 'us-east-1'));
	});

	it('over the wire: clients sharing a budget share its pace, and a Throttling answer to one slows them all', async () => {
		aws = await startAwsStandIn({
			stacks: [rackStackSeed({stackName: 'a'}), rackStackSeed({stackName: 'b'})],
			throttle: {count: 1, actions: ['DescribeStacks']},
		});
		const budget = callBudgetFor('wire', 'us-east-1', 10);
		const [first, second] = [client(aws.url), client(aws.url)];
		withCallBudget(first, budget);
		withCallBudget(second, budget);
		await first.send(new DescribeStacksCommand({StackName: 'a'}));
		expect(budget.callsPerSecond).toBe(5);
		const started = Date.now();
		await Promise.all([
			...Array.from({length: 3}, () => first.send(new DescribeStacksCommand({StackName: 'a'}))),
			...Array.from({length: 3}, () => second.send(new DescribeStacksCommand({StackName: 'b'}))),
		]);
		// Six calls at the halved pace of 5 per second, wherever they come from.
		expect(Date.now() - started).toBeGreaterThanOrEqual(900);
		expect(aws.calls.filter(call => call.action === 'DescribeStacks')).toHaveLength(8);
	});
});
