import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import {CopyImageCommand, DescribeImageAttributeCommand, DescribeImagesCommand, EC2Client, RegisterImageCommand} from '@aws-sdk/client-ec2';
import {afterEach, describe, expect, it} from 'vitest';
import {startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {standInQuery, xmlValue} from '../../source/rehearsal/aws-query';
import {clientConfig} from './aws-clients';

const entry = fileURLToPath(new URL('../../source/rehearsal/aws-stand-in.ts', import.meta.url));
let aws: AwsStandIn | undefined;
let child: ChildProcess | undefined;

afterEach(async () => {
	await aws?.close();
	aws = undefined;
	child?.kill('SIGKILL');
	child = undefined;
});

const ec2In = (region: string, accessKeyId?: string, url = aws!.url) => new EC2Client({...clientConfig(url, accessKeyId), region});
const copyOf = (sourceImageId: string, extra: Partial<ConstructorParameters<typeof CopyImageCommand>[0]> = {}) =>
	new CopyImageCommand({SourceRegion: 'us-east-1', SourceImageId: sourceImageId, Name: 'convox-dev-3f2c1ab', ...extra});

describe('AWS stand-in: EC2 CopyImage through the real SDK', () => {
	it('copies into the region the request is signed for: pending, then available, tags only when asked', async () => {
		aws = await startAwsStandIn({imageCopies: {delayMs: 150}});
		const source = aws.state.registerImage({
			name: 'convox-dev-3f2c1ab',
			region: 'us-east-1',
			tags: {ReleaseRun: 'run-1', 'aws:internal': 'x'},
		});
		const eu = ec2In('eu-west-1');
		const {ImageId: tagged} = await eu.send(
			copyOf(source.imageId, {
				Encrypted: true,
				CopyImageTags: true,
				TagSpecifications: [{ResourceType: 'image', Tags: [{Key: 'FleetRun', Value: 'fleet-1'}]}],
			}),
		);
		const {ImageId: bare} = await ec2In('ap-southeast-2').send(copyOf(source.imageId));

		const pending = (await eu.send(new DescribeImagesCommand({ImageIds: [tagged!]}))).Images![0]!;
		expect(pending.State).toBe('pending');
		await new Promise(resolve => setTimeout(resolve, 200));
		const {Images} = await eu.send(new DescribeImagesCommand({Owners: ['self'], Filters: [{Name: 'tag:FleetRun', Values: ['fleet-1']}]}));
		expect(Images).toHaveLength(1);
		expect(Images![0]).toMatchObject({ImageId: tagged, State: 'available', Public: false, BlockDeviceMappings: [{Ebs: {Encrypted: true}}]});
		expect(Images![0]!.Tags).toEqual([
			{Key: 'ReleaseRun', Value: 'run-1'},
			{Key: 'FleetRun', Value: 'fleet-1'},
		]);
		expect(aws.state.image(bare!)).toMatchObject({
			region: 'ap-southeast-2',
			tags: {},
			encrypted: false,
			copiedFrom: {region: 'us-east-1', imageId: source.imageId},
		});

		// Each region answers for its own images (and for those seeded without a region, like the stock image).
		await expect(ec2In('us-east-1').send(new DescribeImagesCommand({ImageIds: [tagged!]}))).rejects.toMatchObject({
			name: 'InvalidAMIID.NotFound',
		});
		await expect(
			ec2In('ap-southeast-2').send(new DescribeImageAttributeCommand({ImageId: tagged!, Attribute: 'launchPermission'})),
		).rejects.toMatchObject({name: 'InvalidAMIID.NotFound'});
		expect((await eu.send(new DescribeImageAttributeCommand({ImageId: tagged!, Attribute: 'launchPermission'}))).LaunchPermissions).toEqual(
			[],
		);
		expect((await eu.send(new DescribeImagesCommand({ImageIds: ['ami-6bb2d67c']}))).Images).toHaveLength(1);
		expect(aws.calls.filter(call => call.action === 'CopyImage').map(call => call.region)).toEqual(['eu-west-1', 'ap-southeast-2']);
		expect(aws.writes().map(call => call.action)).toEqual(['CopyImage', 'CopyImage']);
	});

	it('answers the same copy for the same ClientToken, and refuses a duplicate name', async () => {
		aws = await startAwsStandIn();
		const source = aws.state.registerImage({name: 'convox-dev-3f2c1ab', region: 'us-east-1'});
		const eu = ec2In('eu-west-1');
		const first = await eu.send(copyOf(source.imageId, {ClientToken: 'token-1'}));
		const again = await eu.send(copyOf(source.imageId, {ClientToken: 'token-1'}));
		expect(again.ImageId).toBe(first.ImageId);
		await expect(eu.send(copyOf(source.imageId, {ClientToken: 'token-2'}))).rejects.toMatchObject({
			name: 'InvalidAMIName.Duplicate',
			message: `AMI name convox-dev-3f2c1ab is already in use by AMI ${first.ImageId}`,
		});
		expect(aws.state.data.images.filter(image => image.region === 'eu-west-1')).toHaveLength(1);
	});

	it('copies only an image the caller owns, from the region it is in', async () => {
		aws = await startAwsStandIn({identities: {AKIAPROD: {accountId: '222222222222'}}});
		const theirs = aws.state.registerImage({
			name: 'prod-ami',
			region: 'us-east-1',
			ownerId: '222222222222',
			launchPermissions: ['111111111111'],
		});
		const hidden = aws.state.registerImage({name: 'prod-hidden', region: 'us-east-1', ownerId: '222222222222'});
		const mine = aws.state.registerImage({name: 'dev-ami', region: 'eu-west-1'});
		await expect(ec2In('eu-west-1').send(copyOf(theirs.imageId))).rejects.toMatchObject({
			name: 'AuthFailure',
			message: `Not authorized to copy image ${theirs.imageId}: it belongs to account 222222222222`,
		});
		await expect(ec2In('eu-west-1').send(copyOf(hidden.imageId))).rejects.toMatchObject({name: 'InvalidAMIID.NotFound'});
		await expect(ec2In('ap-southeast-2').send(copyOf(mine.imageId))).rejects.toMatchObject({
			name: 'InvalidAMIID.NotFound',
			message: `The image id '[${mine.imageId}]' does not exist in us-east-1`,
		});
		const {ImageId} = await ec2In('eu-west-1', 'AKIAPROD').send(copyOf(theirs.imageId));
		expect(aws.state.image(ImageId!)).toMatchObject({ownerId: '222222222222', region: 'eu-west-1'});
	});

	it('ends a copy failed, with its reason, in the regions set to fail', async () => {
		aws = await startAwsStandIn({imageCopies: {delayMs: 0, failIn: ['eu-west-1'], failureReason: 'Snapshot copy failed'}});
		const source = aws.state.registerImage({name: 'convox-dev-3f2c1ab', region: 'us-east-1'});
		const {ImageId} = await ec2In('eu-west-1').send(copyOf(source.imageId));
		const {Images} = await ec2In('eu-west-1').send(new DescribeImagesCommand({ImageIds: [ImageId!]}));
		expect(Images![0]).toMatchObject({State: 'failed', StateReason: {Code: 'Server.InternalError', Message: 'Snapshot copy failed'}});
	});

	it('registers a rehearsal image in the region its tool names', async () => {
		aws = await startAwsStandIn();
		const xml = await standInQuery(
			{AWS_ENDPOINT_URL_EC2: aws.url},
			'AWS_ENDPOINT_URL_EC2',
			{Action: 'RegisterImage', Version: '2016-11-15', Name: 'convox-dev-x'},
			'eu-central-1',
		);
		const imageId = xmlValue(xml, 'imageId')!;
		expect(aws.state.image(imageId)!.region).toBe('eu-central-1');
		expect(aws.calls[0]!.region).toBe('eu-central-1');
	});

	it('takes the copy delay and failing regions from its command line', async () => {
		child = spawn(process.execPath, ['--import', 'tsx', entry, '--copy-delay-ms', '0', '--copy-fails-in', 'eu-west-1'], {
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		const lines = createInterface({input: child.stdout!});
		const [line] = (await once(lines, 'line')) as [string];
		lines.close();
		const {url} = JSON.parse(line) as {url: string};
		const {ImageId: source} = await ec2In('us-east-1', undefined, url).send(new RegisterImageCommand({Name: 'convox-dev-3f2c1ab'}));
		const states = await Promise.all(
			['eu-west-1', 'ap-southeast-2'].map(async region => {
				const ec2 = ec2In(region, undefined, url);
				const {ImageId} = await ec2.send(copyOf(source!));
				return (await ec2.send(new DescribeImagesCommand({ImageIds: [ImageId!]}))).Images![0]!.State;
			}),
		);
		expect(states).toEqual(['failed', 'available']);
	});
});
