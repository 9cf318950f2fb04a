import {DescribeImageAttributeCommand, DescribeLaunchTemplateVersionsCommand, EC2Client} from '@aws-sdk/client-ec2';
import {afterEach, describe, expect, it} from 'vitest';
import {startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {clientConfig} from './aws-clients';

const DEV_KEY = 'AKIADEVEXAMPLE000001';
const PROD_KEY = 'AKIAPRODEXAMPLE00002';
let aws: AwsStandIn | undefined;

afterEach(async () => {
	await aws?.close();
	aws = undefined;
});

const ec2As = (accessKeyId: string, region = 'us-east-1') => new EC2Client({...clientConfig(aws!.url, accessKeyId), region});

describe('AWS stand-in: what uses an image, through the real SDK', () => {
	it("answers each account's launch templates in its region, latest and default versions", async () => {
		aws = await startAwsStandIn({
			identities: {[DEV_KEY]: {accountId: '111111111111'}, [PROD_KEY]: {accountId: '222222222222'}},
			launchTemplates: [
				{name: 'builder', accountId: '111111111111', region: 'us-east-1', imageId: 'ami-0a1', versionNumber: 3},
				{name: 'builder-eu', accountId: '111111111111', region: 'eu-west-1', imageId: 'ami-0a2'},
			],
		});
		const {LaunchTemplateVersions} = await ec2As(DEV_KEY).send(
			new DescribeLaunchTemplateVersionsCommand({Versions: ['$Latest', '$Default']}),
		);
		expect(LaunchTemplateVersions).toEqual([
			expect.objectContaining({
				LaunchTemplateName: 'builder',
				VersionNumber: 3,
				DefaultVersion: true,
				LaunchTemplateData: {ImageId: 'ami-0a1'},
			}),
		]);
		const prod = await ec2As(PROD_KEY).send(new DescribeLaunchTemplateVersionsCommand({Versions: ['$Latest']}));
		expect(prod.LaunchTemplateVersions).toEqual([]);
		const eu = await ec2As(DEV_KEY, 'eu-west-1').send(new DescribeLaunchTemplateVersionsCommand({Versions: ['$Latest']}));
		expect(eu.LaunchTemplateVersions?.map(version => version.LaunchTemplateName)).toEqual(['builder-eu']);
	});

	it("answers an image's lastLaunchedTime, empty when it was never launched", async () => {
		aws = await startAwsStandIn({
			images: [
				{imageId: 'ami-0b1', name: 'launched', region: 'us-east-1', lastLaunchedTime: '2026-11-28T00:00:00Z'},
				{imageId: 'ami-0b2', name: 'never', region: 'us-east-1'},
			],
		});
		const ec2 = ec2As(DEV_KEY);
		const launched = await ec2.send(new DescribeImageAttributeCommand({ImageId: 'ami-0b1', Attribute: 'lastLaunchedTime'}));
		expect(launched.LastLaunchedTime?.Value).toBe('2026-11-28T00:00:00Z');
		const never = await ec2.send(new DescribeImageAttributeCommand({ImageId: 'ami-0b2', Attribute: 'lastLaunchedTime'}));
		expect(never.LastLaunchedTime?.Value).toBeUndefined();
	});
});
