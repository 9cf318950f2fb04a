import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {AutoScalingClient, DescribeLaunchConfigurationsCommand} from '@aws-sdk/client-auto-scaling';
import {afterEach, describe, expect, it} from 'vitest';
import {startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {clientConfig} from './aws-clients';

const DEV_KEY = 'AKIADEVEXAMPLE000001';
const PROD_KEY = 'AKIAPRODEXAMPLE00002';
let aws: AwsStandIn | undefined;
const temporary: string[] = [];

afterEach(async () => {
	await aws?.close();
	aws = undefined;
	for (const dir of temporary.splice(0)) rmSync(dir, {recursive: true, force: true});
});

const autoScalingAs = (accessKeyId: string, region = 'us-east-1') =>
	new AutoScalingClient({...clientConfig(aws!.url, accessKeyId), region});

const identities = {[DEV_KEY]: {accountId: '111111111111'}, [PROD_KEY]: {accountId: '222222222222'}};
const launchConfigurations = [
	{name: 'convox-dev-LaunchConfiguration-B', accountId: '111111111111', region: 'us-east-1', imageId: 'ami-0a2'},
	{name: 'convox-dev-LaunchConfiguration-A', accountId: '111111111111', region: 'us-east-1', imageId: 'ami-0a1', instanceType: 't2.small'},
	{name: 'convox-dev-eu', accountId: '111111111111', region: 'eu-west-1', imageId: 'ami-0a3'},
];

describe('AWS stand-in: Auto Scaling launch configurations, through the real SDK', () => {
	it("answers each account's launch configurations in its region, by name, a page of MaxRecords at a time", async () => {
		aws = await startAwsStandIn({identities, launchConfigurations});
		const dev = autoScalingAs(DEV_KEY);
		const first = await dev.send(new DescribeLaunchConfigurationsCommand({MaxRecords: 1}));
		expect(first.LaunchConfigurations).toEqual([
			expect.objectContaining({
				LaunchConfigurationName: 'convox-dev-LaunchConfiguration-A',
				LaunchConfigurationARN: 'arn:aws:autoscaling:us-east-1:111111111111:launchConfiguration:convox-dev-LaunchConfiguration-A',
				ImageId: 'ami-0a1',
				InstanceType: 't2.small',
				CreatedTime: expect.any(Date),
			}),
		]);
		expect(first.NextToken).toBeDefined();
		const second = await dev.send(new DescribeLaunchConfigurationsCommand({MaxRecords: 1, NextToken: first.NextToken}));
		expect(second.LaunchConfigurations?.map(configuration => configuration.ImageId)).toEqual(['ami-0a2']);
		expect(second.NextToken).toBeUndefined();

		const named = await dev.send(new DescribeLaunchConfigurationsCommand({LaunchConfigurationNames: ['convox-dev-LaunchConfiguration-B']}));
		expect(named.LaunchConfigurations?.map(configuration => configuration.LaunchConfigurationName)).toEqual([
			'convox-dev-LaunchConfiguration-B',
		]);
		const prod = await autoScalingAs(PROD_KEY).send(new DescribeLaunchConfigurationsCommand({}));
		expect(prod.LaunchConfigurations).toEqual([]);
		const eu = await autoScalingAs(DEV_KEY, 'eu-west-1').send(new DescribeLaunchConfigurationsCommand({}));
		expect(eu.LaunchConfigurations?.map(configuration => configuration.LaunchConfigurationName)).toEqual(['convox-dev-eu']);
		expect(aws.calls.map(call => call.service)).toEqual(Array(5).fill('autoscaling'));
	});

	it('refuses a token it did not give, and the caller without the permission', async () => {
		aws = await startAwsStandIn({identities, launchConfigurations, autoScalingDenied: ['DescribeLaunchConfigurations']});
		await expect(autoScalingAs(DEV_KEY).send(new DescribeLaunchConfigurationsCommand({}))).rejects.toMatchObject({
			name: 'AccessDenied',
			message: expect.stringContaining('is not authorized to perform: autoscaling:DescribeLaunchConfigurations'),
			$metadata: {httpStatusCode: 403},
		});
		await aws.close();
		aws = await startAwsStandIn({identities, launchConfigurations});
		await expect(autoScalingAs(DEV_KEY).send(new DescribeLaunchConfigurationsCommand({NextToken: 'nine'}))).rejects.toMatchObject({
			name: 'InvalidNextToken',
		});
	});

	it('keeps them in its state file across a restart', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'aws-stand-in-auto-scaling-'));
		temporary.push(dir);
		const stateFile = path.join(dir, 'aws.json');
		aws = await startAwsStandIn({identities, launchConfigurations, stateFile});
		await aws.close();
		aws = await startAwsStandIn({identities, stateFile});
		const {LaunchConfigurations} = await autoScalingAs(DEV_KEY).send(new DescribeLaunchConfigurationsCommand({}));
		expect(LaunchConfigurations?.map(configuration => configuration.ImageId)).toEqual(['ami-0a1', 'ami-0a2']);
	});
});
