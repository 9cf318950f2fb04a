import {CloudWatchClient, PutMetricDataCommand} from '@aws-sdk/client-cloudwatch';
import {afterEach, describe, expect, it} from 'vitest';
import {rackStackSeed, startAwsStandIn, type AwsStandIn, type AwsStandInOptions} from '../../../source/rehearsal/aws-stand-in';
import {cloudWatchMetricsAttempt, type LaunchedInstance} from '../../../source/services/probes/cloudwatch-metrics';
import {listRackInstances} from '../../../source/services/probes/instances';
import {retryUntil} from '../../../source/services/probes/retry';
import {clientConfig, clients} from '../../rehearsal/aws-clients';

let aws: AwsStandIn | undefined;
afterEach(async () => {
	await aws?.close();
	aws = undefined;
});

/** A rack of three instances in the stand-in, and a CloudWatch client that does not retry by itself. */
async function rack(options: AwsStandInOptions = {}) {
	aws = await startAwsStandIn({tickMs: 20, stacks: [rackStackSeed({stackName: 'convox-dev'})], ...options});
	const instances = await listRackInstances(clients(aws.url).ec2, 'convox-dev');
	const cloudwatch = new CloudWatchClient({...clientConfig(aws.url), maxAttempts: 1});
	return {standIn: aws, instances, cloudwatch};
}

function publish(cloudwatch: CloudWatchClient, instanceIds: string[], timestamp: Date) {
	return cloudwatch.send(
		new PutMetricDataCommand({
			Namespace: 'CWAgent',
			MetricData: instanceIds.map(id => ({
				MetricName: 'collectd_load_shortterm',
				Dimensions: [
					{Name: 'InstanceId', Value: id},
					{Name: 'host', Value: `host-${id}`},
					{Name: 'type', Value: 'load'},
				],
				Timestamp: timestamp,
				Value: 0.25,
			})),
		}),
	);
}

describe('cloudWatchMetricsAttempt', () => {
	it('passes when every instance published since its launch, in one GetMetricData call with a SEARCH per instance', async () => {
		const {standIn, instances, cloudwatch} = await rack({instanceMetrics: {delayMs: 0}});
		const attempt = await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances});
		expect(attempt).toEqual({
			reported: instances.map(instance => instance.id),
			missing: [],
			progress: 'instances reported 3/3',
			outcome: {status: 'pass', detail: '3 of 3 instances published to CWAgent since launch'},
		});
		const calls = standIn.calls.filter(call => call.service === 'cloudwatch');
		expect(calls.map(call => call.action)).toEqual(['GetMetricData']);
		const params = calls[0]!.params as unknown as {MetricDataQueries: unknown[]; StartTime: number};
		expect(params.MetricDataQueries).toEqual(
			instances.map((instance, index) => ({
				Id: `i${index}`,
				Expression: `SEARCH('CWAgent InstanceId="${instance.id}"', 'SampleCount', 60)`,
				ReturnData: true,
			})),
		);
		const earliest = Math.min(...instances.map(instance => instance.launchedAt.getTime()));
		expect(params.StartTime * 1000).toBe(earliest - 60_000);
	});

	it('names the metric when given one', async () => {
		const {standIn, instances, cloudwatch} = await rack({instanceMetrics: {delayMs: 0}});
		const cpu = await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', metricName: 'collectd_cpu_value', instances});
		expect(cpu.outcome.detail).toBe('3 of 3 instances published collectd_cpu_value to CWAgent since launch');
		const [query] = (
			standIn.calls.find(call => call.service === 'cloudwatch')!.params as unknown as {MetricDataQueries: Array<{Expression: string}>}
		).MetricDataQueries;
		expect(query!.Expression).toBe(`SEARCH('CWAgent InstanceId="${instances[0]!.id}" MetricName="collectd_cpu_value"', 'SampleCount', 60)`);
		const other = await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', metricName: 'collectd_df_value', instances});
		expect(other.reported).toEqual([]);
	});

	it('waits with retryUntil for an instance that starts publishing late', async () => {
		const {instances, cloudwatch} = await rack({instanceMetrics: {delayMs: 60_000}});
		const [late, ...early] = instances.map(instance => instance.id);
		await publish(cloudwatch, early, new Date());
		const progress: string[] = [];
		const outcome = await retryUntil(
			async () => {
				const attempt = await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances});
				progress.push(attempt.progress!);
				if (progress.length === 2) await publish(cloudwatch, [late!], new Date());
				return attempt.outcome;
			},
			{timeoutMs: 10_000, initialDelayMs: 20},
		);
		expect(progress).toEqual(['instances reported 2/3', 'instances reported 2/3', 'instances reported 3/3']);
		expect(outcome).toEqual({
			status: 'pass',
			detail: expect.stringMatching(/^3 of 3 instances published to CWAgent since launch \(3 attempts in /),
		});
	});

	it('gives up naming the instance that never reported', async () => {
		const {standIn, instances, cloudwatch} = await rack({instanceMetrics: {delayMs: 0}});
		const silent = instances[1]!.id;
		standIn.setInstanceMetrics({delayMs: 0, silentInstances: [silent]});
		const retries: string[] = [];
		const outcome = await retryUntil(async () => (await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances})).outcome, {
			timeoutMs: 300,
			initialDelayMs: 50,
			onRetry: detail => retries.push(detail),
		});
		expect(retries[0]).toMatch(new RegExp(`^2 of 3 instances reported; not yet: ${silent}; attempt 1, retrying in `));
		expect(outcome).toMatchObject({status: 'fail', retryable: false});
		expect(outcome.detail).toMatch(new RegExp(`^2 of 3 instances reported; not yet: ${silent} \\(\\d+ attempts in .*; gave up after `));
	});

	it.each(['empty', 'refused'] as const)(
		'with an emulator whose SEARCH is %s: the instances are found by ListMetrics and read by MetricStat',
		async metricSearch => {
			const {standIn, instances, cloudwatch} = await rack({instanceMetrics: false, metricSearch});
			const [silent, ...publishing] = instances.map(instance => instance.id);
			await publish(cloudwatch, publishing, new Date());
			const attempt = await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances});
			expect(attempt).toMatchObject({reported: publishing, missing: [silent], progress: 'instances reported 2/3'});
			const listings = standIn.calls.filter(call => call.action === 'ListMetrics').map(call => call.params);
			expect(listings).toEqual(instances.map(instance => ({Namespace: 'CWAgent', Dimensions: [{Name: 'InstanceId', Value: instance.id}]})));
			const read = standIn.calls.filter(call => call.action === 'GetMetricData').at(-1)!.params as unknown as {
				MetricDataQueries: Array<{MetricStat: unknown}>;
			};
			const dimensions = [
				{Name: 'InstanceId', Value: publishing[0]},
				{Name: 'host', Value: `host-${publishing[0]}`},
				{Name: 'type', Value: 'load'},
			];
			expect(read.MetricDataQueries[0]!.MetricStat).toEqual({
				Metric: {Namespace: 'CWAgent', MetricName: 'collectd_load_shortterm', Dimensions: expect.arrayContaining(dimensions)},
				Period: 60,
				Stat: 'SampleCount',
			});
			await publish(cloudwatch, [silent!], new Date());
			expect((await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances})).outcome.status).toBe('pass');
		},
	);

	it('with SEARCH refused, a throttled listing decides the attempt and is named', async () => {
		const {instances, cloudwatch} = await rack({metricSearch: 'refused', throttle: {count: 100, actions: ['ListMetrics']}});
		const attempt = await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances});
		expect(attempt.outcome).toEqual({
			status: 'fail',
			retryable: true,
			detail: 'CloudWatch throttled ListMetrics or GetMetricData (Throttling)',
		});
	});

	it('a ListMetrics refused or throttled leaves what SEARCH found as it is', async () => {
		const {standIn, instances, cloudwatch} = await rack({instanceMetrics: {delayMs: 0}, throttle: {count: 100, actions: ['ListMetrics']}});
		const silent = instances[2]!.id;
		standIn.setInstanceMetrics({delayMs: 0, silentInstances: [silent]});
		const attempt = await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances});
		expect(attempt.outcome).toEqual({status: 'fail', retryable: true, detail: `2 of 3 instances reported; not yet: ${silent}`});
		expect(standIn.calls.filter(call => call.action === 'ListMetrics').map(call => call.error)).toEqual(['Throttling']);
	});

	it('does not count datapoints from before an instance launched', async () => {
		const {instances, cloudwatch} = await rack({instanceMetrics: false});
		const earliest = Math.min(...instances.map(instance => instance.launchedAt.getTime()));
		const ids = instances.map(instance => instance.id);
		await publish(cloudwatch, ids, new Date(earliest - 5 * 60_000));
		const relaunched: LaunchedInstance[] = instances.map(instance => ({id: instance.id, launchedAt: new Date(earliest - 10 * 60_000)}));
		expect((await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances: relaunched})).reported).toEqual(ids);
		const attempt = await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances});
		expect(attempt).toMatchObject({reported: [], missing: ids, progress: 'instances reported 0/3'});
		expect(attempt.outcome).toEqual({status: 'fail', retryable: true, detail: `0 of 3 instances reported; not yet: ${ids.join(', ')}`});
	});

	it('takes throttling as retryable, and passes once CloudWatch answers', async () => {
		const {instances, cloudwatch} = await rack({instanceMetrics: {delayMs: 0}, throttle: {count: 1, actions: ['GetMetricData']}});
		const first = await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances});
		expect(first).toEqual({
			reported: [],
			missing: instances.map(instance => instance.id),
			outcome: {status: 'fail', retryable: true, detail: 'CloudWatch throttled GetMetricData (Throttling)'},
		});
		const outcome = await retryUntil(async () => (await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances})).outcome, {
			timeoutMs: 5000,
		});
		expect(outcome.status).toBe('pass');
	});

	it('fails at once on expired credentials, naming the permission', async () => {
		const {standIn, instances, cloudwatch} = await rack();
		standIn.setExpiredCredentials(true);
		const outcome = await retryUntil(async () => (await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances})).outcome, {
			timeoutMs: 5000,
		});
		expect(outcome).toEqual({
			status: 'fail',
			retryable: false,
			detail:
				'CloudWatch refused GetMetricData (ExpiredToken: The security token included in the request is expired): the credentials must be current and allow cloudwatch:GetMetricData; sign in again or grant it',
		});
	});

	it('fails without instances, and takes an unreachable CloudWatch as retryable', async () => {
		const {standIn, instances, cloudwatch} = await rack();
		expect((await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances: []})).outcome).toEqual({
			status: 'fail',
			retryable: false,
			detail: 'no running instances to look for in CWAgent',
		});
		await standIn.close();
		const outcome = (await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances})).outcome;
		expect(outcome).toMatchObject({status: 'fail', retryable: true, detail: expect.stringMatching(/^CloudWatch did not answer: /)});
	});

	it('rethrows when aborted', async () => {
		const {instances, cloudwatch} = await rack();
		const controller = new AbortController();
		controller.abort(new Error('stopped by the operator'));
		await expect(cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances, signal: controller.signal})).rejects.toThrow(
			'stopped by the operator',
		);
	});

	it('splits many instances over several calls and follows NextToken', async () => {
		const {standIn, cloudwatch} = await rack({instanceMetrics: false, metricDatapointsPerPage: 60});
		const launchedAt = new Date(Date.now() - 60_000);
		const many = Array.from({length: 620}, (_, index) => ({id: `i-${index.toString(16).padStart(17, '0')}`, launchedAt}));
		const publishing = many.filter((_, index) => index !== 555).map(instance => instance.id);
		for (let start = 0; start < publishing.length; start += 500)
			await publish(cloudwatch, publishing.slice(start, start + 500), new Date());
		const attempt = await cloudWatchMetricsAttempt({cloudwatch, namespace: 'CWAgent', instances: many});
		expect(attempt.missing).toEqual([many[555]!.id]);
		expect(attempt.progress).toBe('instances reported 619/620');
		const calls = standIn.calls.filter(call => call.action === 'GetMetricData');
		const sizes = calls.map(call => (call.params as unknown as {MetricDataQueries: unknown[]}).MetricDataQueries.length);
		// Seven chunks of 100 searches at most; a datapoint per instance, 60 a page.
		expect(sizes).toEqual([100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 20]);
		expect(calls.filter(call => call.params.NextToken !== undefined)).toHaveLength(6);
	});
});
