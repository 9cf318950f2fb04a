import {createPrivateKey, createPublicKey} from 'node:crypto';
import {
	CreateImageCommand,
	CreateKeyPairCommand,
	CreateSecurityGroupCommand,
	CreateTagsCommand,
	DescribeInstancesCommand,
	DescribeRegionsCommand,
	ModifyImageAttributeCommand,
	RunInstancesCommand,
	StopInstancesCommand,
	waitUntilImageAvailable,
	waitUntilInstanceRunning,
	waitUntilInstanceStopped,
} from '@aws-sdk/client-ec2';
import {afterEach, describe, expect, it} from 'vitest';
import {startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {clients} from './aws-clients';

let aws: AwsStandIn;
afterEach(async () => aws?.close());

describe("AWS stand-in: what Packer's amazon-ebs calls, through the real SDK", () => {
	it('a key pair with a real RSA key, an instance that starts and stops on ticks, an image pending until its snapshot is done, tags on image and snapshot', async () => {
		aws = await startAwsStandIn({tickMs: 20});
		const {ec2} = clients(aws.url);
		const {Regions} = await ec2.send(new DescribeRegionsCommand({}));
		expect(Regions?.map(region => region.RegionName)).toContain('us-east-1');

		const pair = await ec2.send(new CreateKeyPairCommand({KeyName: 'packer_6b168fdd-b139-3b2f-e6af-bacfeaa7c963'}));
		expect(pair.KeyMaterial).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
		const modulus = Buffer.from(createPublicKey(createPrivateKey(pair.KeyMaterial!)).export({format: 'jwk'}).n!, 'base64url');
		const recorded = aws.state.data.keyPairs?.[0]?.publicKey;
		expect(recorded, "the record's public half is the handed-out key's").toMatch(/^ssh-rsa /);
		expect(Buffer.from(recorded!.split(' ')[1]!, 'base64').includes(modulus)).toBe(true);

		const {GroupId} = await ec2.send(
			new CreateSecurityGroupCommand({GroupName: 'packer_6b168fdd-8a79', Description: 'Temporary group for Packer'}),
		);
		const launched = await ec2.send(
			new RunInstancesCommand({ImageId: 'ami-6bb2d67c', MinCount: 1, MaxCount: 1, KeyName: pair.KeyName, SecurityGroupIds: [GroupId!]}),
		);
		const instanceId = launched.Instances![0]!.InstanceId!;
		expect(launched.Instances![0]!.State?.Name).toBe('pending');
		const waiter = {client: ec2, maxWaitTime: 10, minDelay: 1, maxDelay: 1};
		await waitUntilInstanceRunning(waiter, {InstanceIds: [instanceId]});
		const {Reservations} = await ec2.send(new DescribeInstancesCommand({InstanceIds: [instanceId]}));
		expect(Reservations![0]!.Instances![0]).toMatchObject({
			PublicIpAddress: '127.0.0.1',
			VpcId: 'vpc-standin',
			SecurityGroups: [{GroupId, GroupName: 'packer_6b168fdd-8a79'}],
		});
		await ec2.send(new StopInstancesCommand({InstanceIds: [instanceId]}));
		await waitUntilInstanceStopped(waiter, {InstanceIds: [instanceId]});

		const {ImageId} = await ec2.send(new CreateImageCommand({InstanceId: instanceId, Name: 'convox-dev-1-20261207'}));
		expect(aws.state.data.images.find(image => image.imageId === ImageId)?.state).toBe('pending');
		await waitUntilImageAvailable({...waiter, maxWaitTime: 20}, {ImageIds: [ImageId!]});
		await ec2.send(new ModifyImageAttributeCommand({ImageId, Description: {Value: 'Convox 1 instance AMI'}}));
		await ec2.send(new CreateTagsCommand({Resources: [ImageId!], Tags: [{Key: 'ReleaseRun', Value: 'run-1'}]}));
		await ec2.send(new CreateTagsCommand({Resources: [`snap-${ImageId!.slice(4)}`], Tags: [{Key: 'Env', Value: 'dev'}]}));
		expect(aws.state.data.images.find(image => image.imageId === ImageId)).toMatchObject({
			state: 'available',
			instanceId,
			description: 'Convox 1 instance AMI',
			tags: {ReleaseRun: 'run-1'},
			snapshotTags: {Env: 'dev'},
		});
		await expect(ec2.send(new CreateTagsCommand({Resources: ['snap-0nothere'], Tags: [{Key: 'Env', Value: 'dev'}]}))).rejects.toThrow(
			/not valid/,
		);
	});
});
