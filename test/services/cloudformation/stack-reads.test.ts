import {CloudFormationClient, UpdateStackCommand} from '@aws-sdk/client-cloudformation';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {rackStackSeed, startAwsStandIn, type AwsStandIn} from '../../../source/rehearsal/aws-stand-in';
import {cancelUpdate} from '../../../source/services/cloudformation/cancel';
import {StackWatcher} from '../../../source/services/cloudformation/events';
import {describeStack, forgetStack} from '../../../source/services/cloudformation/stack';

let aws: AwsStandIn | undefined;
afterEach(async () => {
	vi.restoreAllMocks();
	await aws?.close();
	aws = undefined;
});

async function world(): Promise<{aws: AwsStandIn; client: CloudFormationClient}> {
	aws = await startAwsStandIn({tickMs: 20, stacks: [rackStackSeed({stackName: 'rack-1'})]});
	const client = new CloudFormationClient({
		region: 'us-east-1',
		endpoint: aws.url,
		credentials: {accessKeyId: 'AKIATEST', secretAccessKey: 'secret'},
	});
	return {aws, client};
}

const describeCalls = (aws: AwsStandIn) => aws.calls.filter(call => call.action === 'DescribeStacks').length;

/** The reads' clock stands still, then moves only when the test says: nothing here depends on how fast the machine is. */
function frozenClock(): {advance(ms: number): void} {
	let now = Date.now();
	vi.spyOn(Date, 'now').mockImplementation(() => now);
	return {advance: ms => (now += ms)};
}

describe('a stack read just made stands for the next read that takes one', () => {
	it('reuses the last read within 5 s, never for a plain read, and reads again once it is older', async () => {
		const {aws, client} = await world();
		const clock = frozenClock();
		const read = await describeStack(client, 'rack-1');
		expect(describeCalls(aws)).toBe(1);

		expect(await describeStack(client, 'rack-1', undefined, {reuse: true})).toEqual(read);
		expect(describeCalls(aws)).toBe(1);
		await describeStack(client, 'rack-1');
		expect(describeCalls(aws)).toBe(2);

		clock.advance(4_000);
		await describeStack(client, 'rack-1', undefined, {reuse: true});
		expect(describeCalls(aws)).toBe(2);
		clock.advance(5_001);
		await describeStack(client, 'rack-1', undefined, {reuse: true});
		expect(describeCalls(aws)).toBe(3);
	});

	it('reads again after our write to the stack, or once a reader forgot it', async () => {
		const {aws, client} = await world();
		frozenClock();
		await describeStack(client, 'rack-1');
		forgetStack(client, 'rack-1');
		await describeStack(client, 'rack-1', undefined, {reuse: true});
		expect(describeCalls(aws)).toBe(2);

		await cancelUpdate(client, 'rack-1').catch(() => undefined);
		const after = await describeStack(client, 'rack-1', undefined, {reuse: true});
		expect(describeCalls(aws)).toBe(3);
		expect(after.stackName).toBe('rack-1');
	});

	it('is kept per client: another client (another account or region) reads for itself', async () => {
		const {aws, client} = await world();
		frozenClock();
		await describeStack(client, 'rack-1');
		const other = new CloudFormationClient({
			region: 'us-east-1',
			endpoint: aws.url,
			credentials: {accessKeyId: 'AKIAOTHER', secretAccessKey: 'x'},
		});
		await describeStack(other, 'rack-1', undefined, {reuse: true});
		expect(describeCalls(aws)).toBe(2);
	});

	it('the watch’s last round, which saw the update settle, stands for the read right after it (the verify step’s)', async () => {
		const {aws, client} = await world();
		const parameters = aws.state
			.stack('rack-1')
			.parameters.map(({key}) =>
				key === 'Ami' ? {ParameterKey: key, ParameterValue: 'ami-0123456789abcdef0'} : {ParameterKey: key, UsePreviousValue: true},
			);
		await client.send(
			new UpdateStackCommand({StackName: 'rack-1', UsePreviousTemplate: true, Capabilities: ['CAPABILITY_IAM'], Parameters: parameters}),
		);
		const watcher = new StackWatcher({
			client,
			stackName: 'rack-1',
			pollerKey: 'stack-reads-test',
			intervals: {minMs: 20, maxMs: 80, factor: 2},
			since: 'update-start',
			started: true,
			onEvent: () => undefined,
		});
		expect(await watcher.watch(new AbortController().signal)).toMatchObject({kind: 'settled', stack: {status: 'UPDATE_COMPLETE'}});
		const watched = describeCalls(aws);
		frozenClock();

		expect(await describeStack(client, 'rack-1', undefined, {reuse: true})).toMatchObject({status: 'UPDATE_COMPLETE'});
		expect(describeCalls(aws)).toBe(watched);
	});
});
