import {afterEach, describe, expect, it} from 'vitest';
import {startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {createAwsClients} from '../../source/services/aws-clients';
import {launchConfigurationImages} from '../../source/services/image-references';

const DEV = '111111111111';
const credentials = {accessKeyId: 'AKIAREHEARSAL0000000', secretAccessKey: 'rehearsal-secret'};
let aws: AwsStandIn | undefined;

afterEach(async () => {
	await aws?.close();
	aws = undefined;
});

const configuration = (name: string, imageId: string, more: {accountId?: string; region?: string} = {}) => ({
	name,
	imageId,
	accountId: DEV,
	region: 'us-east-1',
	...more,
});

describe('launchConfigurationImages', () => {
	it("reads every page of the region's launch configurations through the SDK's paginator", async () => {
		aws = await startAwsStandIn({
			accountId: DEV,
			launchConfigurationsPageSize: 2,
			launchConfigurations: [
				configuration('convox-dev-LaunchConfiguration-A', 'ami-0a0000000000000a1'),
				configuration('convox-dev-LaunchConfiguration-B', 'ami-0a0000000000000a2'),
				configuration('convox-dev-LaunchConfiguration-C', 'ami-0a0000000000000a3'),
				configuration('convox-dev-LaunchConfiguration-D', 'ami-0a0000000000000a4'),
				configuration('convox-dev-LaunchConfiguration-E', 'ami-0a0000000000000a5'),
				configuration('elsewhere', 'ami-0a0000000000000b1', {region: 'eu-west-1'}),
				configuration('other-account', 'ami-0a0000000000000c1', {accountId: '222222222222'}),
			],
		});
		const {autoScaling} = await createAwsClients({region: 'us-east-1', endpoint: aws.url, credentials});

		const read = await launchConfigurationImages(autoScaling);

		expect(read).toEqual({
			references: ['A', 'B', 'C', 'D', 'E'].map((letter, index) => ({
				name: `convox-dev-LaunchConfiguration-${letter}`,
				imageId: `ami-0a0000000000000a${index + 1}`,
			})),
		});
		const calls = aws.calls.filter(call => call.action === 'DescribeLaunchConfigurations');
		expect(calls.map(call => [call.service, call.params.NextToken ?? null])).toEqual([
			['autoscaling', null],
			['autoscaling', '2'],
			['autoscaling', '4'],
		]);
	});

	it('says why when the caller may not describe launch configurations, instead of an empty list', async () => {
		aws = await startAwsStandIn({
			accountId: DEV,
			autoScalingDenied: ['DescribeLaunchConfigurations'],
			launchConfigurations: [configuration('convox-dev-LaunchConfiguration-A', 'ami-0a0000000000000a1')],
		});
		const {autoScaling} = await createAwsClients({region: 'us-east-1', endpoint: aws.url, credentials});

		const read = await launchConfigurationImages(autoScaling);

		expect(read).toEqual({refused: expect.stringMatching(/^AccessDenied: .*autoscaling:DescribeLaunchConfigurations/)});
		expect(aws.calls.filter(call => call.action === 'DescribeLaunchConfigurations')).toHaveLength(1);
	});

	it('lets any other failure through', async () => {
		aws = await startAwsStandIn({accountId: DEV, expiredCredentials: true});
		const {autoScaling} = await createAwsClients({region: 'us-east-1', endpoint: aws.url, credentials});

		await expect(launchConfigurationImages(autoScaling)).rejects.toMatchObject({name: 'ExpiredToken'});
	});
});
