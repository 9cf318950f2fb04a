import {DescribeImageAttributeCommand, DescribeImagesCommand, EC2Client} from '@aws-sdk/client-ec2';
import {mockClient} from 'aws-sdk-client-mock';
import {beforeEach, describe, expect, it} from 'vitest';
import {findImagesByRun, launchPermissions, waitForImage} from '../../source/services/ec2-images';

const ec2 = new EC2Client({region: 'eu-west-1', credentials: {accessKeyId: 'AKIDTEST', secretAccessKey: 'test'}});
const mock = mockClient(ec2);

beforeEach(() => mock.reset());

describe('findImagesByRun', () => {
	it('asks for the account own images tagged with the run id, across pages, newest first', async () => {
		mock
			.on(DescribeImagesCommand)
			.resolvesOnce({Images: [{ImageId: 'ami-old', State: 'failed', CreationDate: '2026-11-24T10:00:00.000Z'}], NextToken: 'page-2'})
			.resolvesOnce({Images: [{ImageId: 'ami-new', State: 'available', Name: 'convox-dev-1', CreationDate: '2026-11-25T10:00:00.000Z'}]});
		const images = await findImagesByRun(ec2, 'run-42');
		expect(images).toEqual([
			{imageId: 'ami-new', state: 'available', region: 'eu-west-1', name: 'convox-dev-1', creationDate: '2026-11-25T10:00:00.000Z'},
			{imageId: 'ami-old', state: 'failed', region: 'eu-west-1', creationDate: '2026-11-24T10:00:00.000Z'},
		]);
		const calls = mock.commandCalls(DescribeImagesCommand);
		expect(calls[0]!.args[0].input).toMatchObject({Owners: ['self'], Filters: [{Name: 'tag:ReleaseRun', Values: ['run-42']}]});
		expect(calls[1]!.args[0].input).toMatchObject({NextToken: 'page-2'});
	});

	it('returns nothing when no image carries the tag', async () => {
		mock.on(DescribeImagesCommand).resolves({Images: []});
		expect(await findImagesByRun(ec2, 'run-none')).toEqual([]);
	});
});

describe('launchPermissions', () => {
	it.each([
		[[], {visibility: 'private'}],
		[[{Group: 'all' as const}], {visibility: 'public'}],
		[
			[{UserId: '333333333333'}, {OrganizationArn: 'arn:aws:organizations::1:organization/o-1'}],
			{visibility: 'shared', with: ['333333333333', 'arn:aws:organizations::1:organization/o-1']},
		],
	])('reads %j as %j', async (permissions, expected) => {
		mock
			.on(DescribeImageAttributeCommand, {ImageId: 'ami-1', Attribute: 'launchPermission'})
			.resolves({ImageId: 'ami-1', LaunchPermissions: permissions});
		expect(await launchPermissions(ec2, 'ami-1')).toEqual(expected);
	});
});

describe('waitForImage', () => {
	it('polls with the SDK waiter until the image is available', async () => {
		mock
			.on(DescribeImagesCommand, {ImageIds: ['ami-1']})
			.resolvesOnce({Images: [{ImageId: 'ami-1', State: 'pending'}]})
			.resolves({Images: [{ImageId: 'ami-1', State: 'available'}]});
		await waitForImage(ec2, 'ami-1', {minDelaySeconds: 1, maxWaitSeconds: 10});
		expect(mock.commandCalls(DescribeImagesCommand)).toHaveLength(2);
	});

	it('throws when the image fails', async () => {
		mock.on(DescribeImagesCommand).resolves({Images: [{ImageId: 'ami-1', State: 'failed'}]});
		await expect(waitForImage(ec2, 'ami-1', {minDelaySeconds: 1, maxWaitSeconds: 10})).rejects.toThrow();
	});
});
