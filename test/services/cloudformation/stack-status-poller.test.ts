import {CloudFormationClient, UpdateStackCommand} from '@aws-sdk/client-cloudformation';
import {afterEach, describe, expect, it} from 'vitest';
import {
	rackStackSeed,
	startAwsStandIn,
	type AwsCall,
	type AwsStandIn,
	type AwsStandInOptions,
} from '../../../source/rehearsal/aws-stand-in';
import {StackWatcher, type StackEventRecord, type WatchResult} from '../../../source/services/cloudformation/events';
import type {PollIntervals} from '../../../source/services/cloudformation/stack-status-poller';
import {StackNotFoundError} from '../../../source/services/cloudformation/stack';

let aws: AwsStandIn | undefined;
const stops: AbortController[] = [];
afterEach(async () => {
	for (const stop of stops.splice(0)) stop.abort();
	await aws?.close();
	aws = undefined;
});

const RACKS = ['rack-1', 'rack-2', 'rack-3', 'rack-4', 'rack-5'];
let keys = 0;

async function world(options: AwsStandInOptions = {}, names = RACKS): Promise<{aws: AwsStandIn; client: CloudFormationClient}> {
	aws = await startAwsStandIn({
		tickMs: 20,
		scenario: 'slow',
		slowTicks: 3,
		stacks: names.map(stackName => rackStackSeed({stackName})),
		...options,
	});
	// One attempt: a Throttling answer reaches the poller instead of the SDK's retries.
	const client = new CloudFormationClient({
		region: 'us-east-1',
		endpoint: aws.url,
		credentials: {accessKeyId: 'AKIATEST', secretAccessKey: 'secret'},
		maxAttempts: 1,
	});
	return {aws, client};
}

/** Starts an update of the stack: a new Ami, every other parameter as it was. */
async function update(client: CloudFormationClient, stackName: string): Promise<void> {
	const parameters = aws!.state
		.stack(stackName)
		.parameters.map(({key}) =>
			key === 'Ami' ? {ParameterKey: key, ParameterValue: 'ami-0123456789abcdef0'} : {ParameterKey: key, UsePreviousValue: true},
		);
	await client.send(
		new UpdateStackCommand({StackName: stackName, UsePreviousTemplate: true, Capabilities: ['CAPABILITY_IAM'], Parameters: parameters}),
	);
}

interface Watch {
	events: StackEventRecord[];
	stop: AbortController;
	result: Promise<WatchResult>;
}

/**
 * Watches stacks together under `key`: an update under way (`active`) is followed from its start;
 * any other stack is waited on as if its update had just been executed and had not begun yet.
 */
async function watchAll(
	client: CloudFormationClient,
	key: string,
	stacks: Array<[stackName: string, active: boolean]>,
	intervals: PollIntervals,
): Promise<Watch[]> {
	const watchers = stacks.map(([stackName, active]) => {
		const events: StackEventRecord[] = [];
		const watcher = new StackWatcher({
			client,
			stackName,
			pollerKey: key,
			intervals,
			...(active ? {since: 'update-start' as const, started: true} : {startGraceMs: 60_000}),
			onEvent: event => events.push(event),
		});
		return {watcher, events, active};
	});
	await Promise.all(watchers.filter(({active}) => !active).map(({watcher}) => watcher.markExisting()));
	return watchers.map(({watcher, events}) => {
		const stop = new AbortController();
		stops.push(stop);
		return {events, stop, result: watcher.watch(stop.signal)};
	});
}

const stackCalls = (calls: AwsCall[]) => calls.filter(call => call.action === 'DescribeStacks');
const eventCalls = (calls: AwsCall[], stackName: string) =>
	calls.filter(call => call.action === 'DescribeStackEvents' && call.params.StackName === stackName);
const listings = (calls: AwsCall[]) =>
	stackCalls(calls).filter(call => call.params.StackName === undefined && call.params.NextToken === undefined);
const gaps = (calls: AwsCall[]) => calls.slice(1).map((call, index) => Date.parse(call.time) - Date.parse(calls[index]!.time));
const until = async (condition: () => boolean, timeoutMs = 10_000) => {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise(resolve => setTimeout(resolve, 5));
	}
};

describe('the stack-status poller of an account and region', () => {
	it('watching 5 stacks makes one DescribeStacks without StackName per round, and reads events only for the stacks that change', async () => {
		const {aws, client} = await world();
		const key = `poller-test-${keys++}`;
		const intervals = {minMs: 20, maxMs: 80, factor: 2};
		await update(client, 'rack-1');
		await update(client, 'rack-2');
		const watches = await watchAll(
			client,
			key,
			RACKS.map(name => [name, name === 'rack-1' || name === 'rack-2']),
			intervals,
		);
		const before = aws.calls.length;
		const [first, second, ...idle] = watches;
		expect(await first!.result).toMatchObject({kind: 'settled', stack: {status: 'UPDATE_COMPLETE'}});
		expect(await second!.result).toMatchObject({kind: 'settled', stack: {status: 'UPDATE_COMPLETE'}});
		for (const waiting of idle) waiting.stop.abort();
		expect(await Promise.all(idle.map(waiting => waiting.result))).toEqual(idle.map(() => ({kind: 'stopped', status: 'UPDATE_COMPLETE'})));

		const calls = aws.calls.slice(before);
		const rounds = stackCalls(calls);
		expect(rounds.length).toBeGreaterThanOrEqual(4);
		expect(rounds.every(call => call.params.StackName === undefined)).toBe(true);
		// Between two rounds' listings: at most one DescribeStackEvents per stack, and only for stacks that change.
		const starts = calls.flatMap((call, index) => (call.action === 'DescribeStacks' ? [index] : []));
		starts.forEach((start, round) => {
			const between = calls.slice(start + 1, starts[round + 1] ?? calls.length);
			expect(between.every(call => call.action === 'DescribeStackEvents')).toBe(true);
			const names = between.map(call => call.params.StackName as string);
			expect(new Set(names).size).toBe(names.length);
			if (round > 0) expect(names.filter(name => name !== 'rack-1' && name !== 'rack-2')).toEqual([]);
		});
		for (const name of ['rack-3', 'rack-4', 'rack-5']) expect(eventCalls(calls, name)).toHaveLength(1);
		expect(eventCalls(calls, 'rack-1').length).toBeGreaterThanOrEqual(3);

		for (const followed of [first!, second!]) {
			const ids = followed.events.map(event => event.eventId);
			expect(new Set(ids).size).toBe(ids.length);
			const times = followed.events.map(event => event.timestamp.getTime());
			expect(times).toEqual([...times].sort((a, b) => a - b));
			expect(followed.events.at(-1)).toMatchObject({isStack: true, status: 'UPDATE_COMPLETE'});
		}
		expect(idle.every(waiting => waiting.events.length === 0)).toBe(true);
	});

	it('a watcher that leaves is no longer polled; the last one closes the poller', async () => {
		const {aws, client} = await world({slowTicks: 1000});
		const key = `poller-test-${keys++}`;
		const intervals = {minMs: 20, maxMs: 20, factor: 1};
		await update(client, 'rack-1');
		await update(client, 'rack-2');
		const [leaving, staying] = await watchAll(
			client,
			key,
			[
				['rack-1', true],
				['rack-2', true],
			],
			intervals,
		);
		const before = aws.calls.length;
		await until(() => listings(aws.calls.slice(before)).length >= 3);
		leaving!.stop.abort();
		expect(await leaving!.result).toEqual({kind: 'stopped', status: 'UPDATE_IN_PROGRESS'});
		const left = aws.calls.length;
		await until(() => stackCalls(aws.calls.slice(left)).length >= 4);
		const alone = aws.calls.slice(left);
		expect(eventCalls(alone, 'rack-1')).toEqual([]);
		// One stack left: named, as a lone watcher names it.
		expect(
			stackCalls(alone)
				.slice(1)
				.map(call => call.params.StackName),
		).toEqual(
			stackCalls(alone)
				.slice(1)
				.map(() => 'rack-2'),
		);

		staying!.stop.abort();
		expect((await staying!.result).kind).toBe('stopped');
		const closed = aws.calls.length;
		await new Promise(resolve => setTimeout(resolve, 150));
		expect(aws.calls.length).toBe(closed);
	});

	it('backs off for all its stacks together while none changes, and starts over at the shortest wait when one does', async () => {
		const {aws, client} = await world({slowTicks: 1000});
		const key = `poller-test-${keys++}`;
		const intervals = {minMs: 25, maxMs: 400, factor: 2};
		const watches = await watchAll(
			client,
			key,
			['rack-1', 'rack-2', 'rack-3'].map(name => [name, false]),
			intervals,
		);
		const before = aws.calls.length;
		await until(() => listings(aws.calls.slice(before)).length >= 7);
		const quiet = gaps(listings(aws.calls.slice(before)));
		[25, 50, 100, 200, 400, 400].forEach((expected, index) => expect(quiet[index]).toBeGreaterThanOrEqual(expected - 5));

		const updated = aws.calls.length;
		await update(client, 'rack-2');
		await until(() => listings(aws.calls.slice(updated)).length >= 3);
		// The first listing after the update sees it begin: the next round comes after the shortest wait.
		const [afterChange] = gaps(listings(aws.calls.slice(updated)));
		expect(afterChange).toBeLessThan(200);
		for (const watching of watches) watching.stop.abort();
		await Promise.all(watches.map(watching => watching.result));
	});

	it('a throttled round slows the next one down for every stack', async () => {
		const {aws, client} = await world();
		const key = `poller-test-${keys++}`;
		const intervals = {minMs: 150, maxMs: 150, factor: 1};
		const watches = await watchAll(
			client,
			key,
			['rack-1', 'rack-2', 'rack-3'].map(name => [name, false]),
			intervals,
		);
		const before = aws.calls.length;
		await until(() => listings(aws.calls.slice(before)).length >= 3);
		aws.throttle(1, ['DescribeStacks']);
		await until(() => listings(aws.calls.slice(before)).length >= 7);
		const rounds = listings(aws.calls.slice(before));
		const throttled = rounds.findIndex(call => call.error === 'Throttling');
		const waits = gaps(rounds);
		// Throttled: twice the 150 ms wait; the next round is back to 150 ms (the margin is for a loaded machine).
		expect(waits[throttled]).toBeGreaterThanOrEqual(295);
		expect(waits[throttled + 1]).toBeLessThan(285);
		for (const watching of watches) watching.stop.abort();
		expect((await Promise.all(watches.map(watching => watching.result))).map(result => result.kind)).toEqual([
			'stopped',
			'stopped',
			'stopped',
		]);
	});

	it('describes by name a stack the listing leaves out, and a stack that does not exist fails its own watcher only', async () => {
		const {aws, client} = await world({
			stacks: [
				...['rack-1', 'rack-2'].map(stackName => rackStackSeed({stackName})),
				rackStackSeed({stackName: 'elsewhere', accountId: '999999999999'}),
			],
		});
		const key = `poller-test-${keys++}`;
		const intervals = {minMs: 20, maxMs: 40, factor: 2};
		await update(client, 'elsewhere');
		const [ghost, elsewhere, ...waiting] = await watchAll(
			client,
			key,
			[
				['ghost', true],
				['elsewhere', true],
				['rack-1', false],
				['rack-2', false],
			],
			intervals,
		);
		const before = aws.calls.length;
		await expect(ghost!.result).rejects.toBeInstanceOf(StackNotFoundError);
		expect(await elsewhere!.result).toMatchObject({kind: 'settled', stack: {stackName: 'elsewhere', status: 'UPDATE_COMPLETE'}});
		for (const watching of waiting) watching.stop.abort();
		await Promise.all(waiting.map(watching => watching.result));

		const named = stackCalls(aws.calls.slice(before)).flatMap(call => (call.params.StackName ? [call.params.StackName] : []));
		expect(new Set(named)).toEqual(new Set(['ghost', 'elsewhere']));
		expect(named.filter(name => name === 'ghost')).toHaveLength(1);
		expect(listings(aws.calls.slice(before)).length).toBeGreaterThanOrEqual(2);
	});

	it('reads a listing to its last page, and names the stacks instead when the listing takes as many calls', async () => {
		/** The DescribeStacks calls of every rack watched at once, `stacksPageSize` stacks a page, until `enough` holds. */
		const stackCallsWhile = async (stacksPageSize: number, enough: (calls: AwsCall[]) => boolean): Promise<AwsCall[]> => {
			const {aws, client} = await world({stacksPageSize});
			const watches = await watchAll(
				client,
				`poller-test-${keys++}`,
				RACKS.map(name => [name, false]),
				{minMs: 20, maxMs: 20, factor: 1},
			);
			const before = aws.calls.length;
			await until(() => enough(aws.calls.slice(before)));
			for (const watching of watches) watching.stop.abort();
			await Promise.all(watches.map(watching => watching.result));
			const calls = stackCalls(aws.calls.slice(before));
			await aws.close();
			return calls;
		};

		const paged = await stackCallsWhile(2, calls => listings(calls).length >= 3);
		expect(paged.every(call => call.params.StackName === undefined)).toBe(true);
		expect(paged.slice(0, 6).map(call => call.params.NextToken)).toEqual([undefined, '2', '4', undefined, '2', '4']);

		const single = await stackCallsWhile(1, calls => stackCalls(calls).length >= 15);
		const [listing, named] = [single.slice(0, 5), single.slice(5, 15)];
		expect(listing.map(call => call.params.StackName ?? null)).toEqual([null, null, null, null, null]);
		expect(new Set(named.map(call => call.params.StackName))).toEqual(new Set(RACKS));
	});
});

describe('the calls of a shared watch as the stacks grow', () => {
	/**
	 * Watches `count` stacks that all update at once, each watcher counting the statuses it was told
	 * of; returns the watch's calls as the stand-in received them.
	 */
	async function watchUpdates(count: number, intervals: PollIntervals) {
		const names = Array.from({length: count}, (_, index) => `rack-${index + 1}`);
		const {aws, client} = await world({}, names);
		for (const name of names) await update(client, name);
		const statuses = new Map(names.map(name => [name, new Set<string>()]));
		const key = `poller-test-${keys++}`;
		const before = aws.calls.length;
		const results = names.map(stackName =>
			new StackWatcher({
				client,
				stackName,
				pollerKey: key,
				intervals,
				since: 'update-start',
				started: true,
				onEvent: () => undefined,
				onProgress: ({status}) => statuses.get(stackName)!.add(status),
			}).watch(new AbortController().signal),
		);
		expect(await Promise.all(results)).toEqual(names.map(() => expect.objectContaining({kind: 'settled'})));
		return {calls: aws.calls.slice(before), statusesOf: statuses};
	}

	it('keeps the calls per watched second within the same budget for 5 and 40 stacks, reading events for the stacks that changed and one more a round', async () => {
		// callMs over minMs: without the wait per call, quiet rounds alone would go over the budget.
		const intervals = {minMs: 10, maxMs: 50, factor: 1.5, callMs: 25};
		for (const count of [5, 40]) {
			const {calls, statusesOf} = await watchUpdates(count, intervals);
			const starts = listings(calls).map(call => Date.parse(call.time));
			expect(starts.length).toBeGreaterThanOrEqual(3);
			// Every round is followed by a wait of callMs per call it made, however many stacks it read.
			const first = calls.indexOf(listings(calls)[0]!);
			const last = calls.indexOf(listings(calls).at(-1)!);
			const watched = starts.at(-1)! - starts[0]!;
			expect(last - first).toBeLessThanOrEqual(watched / intervals.callMs);
			// Events are read once per status a stack was told of (its first, each change), plus one
			// stack still updating per round: never once per stack and round.
			let statuses = 0;
			for (const [name, seen] of statusesOf) {
				statuses += seen.size;
				expect(eventCalls(calls, name).length).toBeLessThanOrEqual(seen.size + Math.ceil(starts.length / count) + 1);
			}
			expect(calls.filter(call => call.action === 'DescribeStackEvents').length).toBeLessThanOrEqual(statuses + starts.length);
		}
	});
});
