import {
	CloudWatchClient,
	GetMetricDataCommand,
	ListDashboardsCommand,
	PutMetricDataCommand,
	type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {afterEach, describe, expect, it} from 'vitest';
import {rackStackSeed, startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {clientConfig} from './aws-clients';

let aws: AwsStandIn | undefined;
afterEach(async () => aws?.close());

const search = (term: string) => `SEARCH('${term}', 'SampleCount', 60)`;
const minute = (time: number) => Math.floor(time / 60_000) * 60_000;

describe('the CloudWatch stand-in (awsJson1_0, query-compatible)', () => {
	it('keeps what PutMetricData sends and answers GetMetricData SEARCH expressions per query id, to the real SDK', async () => {
		aws = await startAwsStandIn({instanceMetrics: false});
		const cloudwatch = new CloudWatchClient(clientConfig(aws.url));
		const now = Date.now();
		const datum = (instanceId: string, ago: number) => ({
			MetricName: 'collectd_cpu_value',
			Dimensions: [
				{Name: 'InstanceId', Value: instanceId},
				{Name: 'host', Value: 'ip-10-0-1-10'},
				{Name: 'type', Value: 'percent'},
			],
			Timestamp: new Date(now - ago),
			Value: 3,
		});
		await cloudwatch.send(
			new PutMetricDataCommand({Namespace: 'CWAgent', MetricData: [datum('i-1', 0), datum('i-1', 1000), datum('i-2', 120_000)]}),
		);
		expect(aws.state.data.metrics).toHaveLength(3);
		expect(aws.state.data.metrics![0]).toMatchObject({
			namespace: 'CWAgent',
			dimensions: {InstanceId: 'i-1', host: 'ip-10-0-1-10', type: 'percent'},
		});

		const {MetricDataResults} = await cloudwatch.send(
			new GetMetricDataCommand({
				StartTime: new Date(now - 600_000),
				EndTime: new Date(now + 60_000),
				MetricDataQueries: [
					{Id: 'i0', Expression: search('CWAgent InstanceId="i-1"'), ReturnData: true},
					{Id: 'i1', Expression: search('CWAgent InstanceId="i-2" MetricName="collectd_cpu_value"'), ReturnData: true},
					{Id: 'i2', Expression: search('CWAgent InstanceId="i-3"'), ReturnData: true},
					{Id: 'schema', Expression: search('{CWAgent,InstanceId} InstanceId="i-1"'), ReturnData: true},
				],
			}),
		);
		const byId: Record<string, MetricDataResult> = Object.fromEntries(MetricDataResults!.map(result => [result.Id, result]));
		const firstMinute = minute(now - 1000);
		expect(byId.i0!.Timestamps!.map(time => time.getTime())).toEqual(
			firstMinute === minute(now) ? [firstMinute] : [minute(now), firstMinute],
		);
		expect(byId.i0!.Values!.reduce((sum, value) => sum + value, 0)).toBe(2);
		expect(byId.i0).toMatchObject({StatusCode: 'Complete', Label: 'collectd_cpu_value ip-10-0-1-10 i-1 percent'});
		expect(byId.i1!.Timestamps!.map(time => time.getTime())).toEqual([minute(now - 120_000)]);
		// Nothing published: an empty series; a braces schema needs the exact dimension set, which collectd's metrics do not have.
		expect(byId.i2!.Timestamps).toEqual([]);
		expect(byId.schema!.Timestamps).toEqual([]);
		expect(aws.calls.map(call => `${call.service} ${call.action}`)).toEqual(['cloudwatch PutMetricData', 'cloudwatch GetMetricData']);
	});

	it('has running instances publish collectd_cpu_value once they have run delayMs, except the silent ones', async () => {
		aws = await startAwsStandIn({tickMs: 20, stacks: [rackStackSeed({stackName: 'convox-dev'})], instanceMetrics: {delayMs: 300}});
		const [loud, silent] = aws.state.instancesOf('convox-dev').map(instance => instance.instanceId);
		aws.setInstanceMetrics({delayMs: 300, silentInstances: [silent!]});
		const cloudwatch = new CloudWatchClient(clientConfig(aws.url));
		const query = () =>
			cloudwatch.send(
				new GetMetricDataCommand({
					StartTime: new Date(Date.now() - 120_000),
					EndTime: new Date(),
					MetricDataQueries: [loud!, silent!].map((id, index) => ({
						Id: `i${index}`,
						Expression: search(`CWAgent InstanceId="${id}" MetricName="collectd_cpu_value"`),
					})),
				}),
			);
		const before = await query();
		expect(before.MetricDataResults!.map(result => result.Timestamps)).toEqual([[], []]);
		await new Promise(resolve => setTimeout(resolve, 350));
		const after = await query();
		expect(after.MetricDataResults!.map(result => result.Timestamps!.length)).toEqual([1, 0]);
		expect(after.MetricDataResults![0]!.Label).toMatch(/^collectd_cpu_value ip-10-0-\d+-\d+\.ec2\.internal 0 i-\w+ percent user$/);
	});

	it('pages results by datapoints with NextToken', async () => {
		aws = await startAwsStandIn({
			tickMs: 20,
			stacks: [rackStackSeed({stackName: 'convox-dev'})],
			instanceMetrics: {delayMs: 0},
			metricDatapointsPerPage: 1,
		});
		const ids = aws.state.instancesOf('convox-dev').map(instance => instance.instanceId);
		const cloudwatch = new CloudWatchClient(clientConfig(aws.url));
		const input = {
			StartTime: new Date(Date.now() - 120_000),
			EndTime: new Date(Date.now() + 1000),
			MetricDataQueries: ids.map((id, index) => ({Id: `i${index}`, Expression: search(`CWAgent InstanceId="${id}"`)})),
		};
		const first = await cloudwatch.send(new GetMetricDataCommand(input));
		expect(first.MetricDataResults!.map(result => result.Id)).toEqual(['i0']);
		const second = await cloudwatch.send(new GetMetricDataCommand({...input, NextToken: first.NextToken!}));
		expect(second.MetricDataResults!.map(result => result.Id)).toEqual(['i1']);
	});

	it('answers errors the SDK names after their awsQuery code: unknown operation, throttling, expired credentials, a bad expression', async () => {
		aws = await startAwsStandIn({throttle: {count: 1, actions: ['GetMetricData']}});
		const cloudwatch = new CloudWatchClient({...clientConfig(aws.url), maxAttempts: 1});
		const failure = (promise: Promise<unknown>) =>
			promise.then(
				() => undefined,
				(error: unknown) => error as Error & {$metadata: {httpStatusCode?: number}},
			);
		const unknown = await failure(cloudwatch.send(new ListDashboardsCommand({})));
		expect(unknown).toMatchObject({name: 'UnknownOperationException', $metadata: {httpStatusCode: 400}});
		const input = {
			StartTime: new Date(Date.now() - 60_000),
			EndTime: new Date(),
			MetricDataQueries: [{Id: 'i0', Expression: search('CWAgent InstanceId="i-1"')}],
		};
		expect(await failure(cloudwatch.send(new GetMetricDataCommand(input)))).toMatchObject({name: 'Throttling', message: 'Rate exceeded'});
		aws.setExpiredCredentials(true);
		expect(await failure(cloudwatch.send(new GetMetricDataCommand(input)))).toMatchObject({
			name: 'ExpiredToken',
			$metadata: {httpStatusCode: 403},
		});
		aws.setExpiredCredentials(false);
		expect(
			await failure(cloudwatch.send(new GetMetricDataCommand({...input, MetricDataQueries: [{Id: 'e0', Expression: 'm1 * 2'}]}))),
		).toMatchObject({
			// The SDK names it after the modelled error whose awsQuery code it is.
			name: 'ValidationException',
		});
		expect(aws.calls.map(call => call.error)).toEqual(['UnknownOperationException', 'Throttling', 'ExpiredToken', 'ValidationError']);
	});
});
