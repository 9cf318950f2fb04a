import {CreateChangeSetCommand, ExecuteChangeSetCommand} from '@aws-sdk/client-cloudformation';
import {
	DescribeImageAttributeCommand,
	DescribeImagesCommand,
	DescribeInstancesCommand,
	paginateDescribeInstances,
	type Instance,
} from '@aws-sdk/client-ec2';
import {GetCallerIdentityCommand} from '@aws-sdk/client-sts';
import {afterEach, describe, expect, it} from 'vitest';
import {rackStackSeed, startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {startReleasesStandIn, type ReleasesStandIn} from '../../source/rehearsal/releases-stand-in';
import {clients, settled} from './aws-clients';

let aws: AwsStandIn;
let releases: ReleasesStandIn | undefined;

afterEach(async () => {
	await aws?.close();
	await releases?.close();
	releases = undefined;
});

const stackFilter = (stackName: string) => [
	{Name: 'tag:aws:cloudformation:stack-name', Values: [stackName]},
	{Name: 'instance-state-name', Values: ['running']},
];

describe('AWS stand-in: STS through the real SDK', () => {
	it('answers GetCallerIdentity per access key, and ExpiredToken on demand', async () => {
		aws = await startAwsStandIn({
			accountId: '111111111111',
			identities: {AKIAPROD: {accountId: '222222222222', arn: 'arn:aws:sts::222222222222:assumed-role/admin/ops'}},
		});
		const dev = await clients(aws.url).sts.send(new GetCallerIdentityCommand({}));
		expect(dev).toMatchObject({Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/rehearsal'});
		const prod = await clients(aws.url, 'AKIAPROD').sts.send(new GetCallerIdentityCommand({}));
		expect(prod).toMatchObject({Account: '222222222222', Arn: 'arn:aws:sts::222222222222:assumed-role/admin/ops'});

		aws.setExpiredCredentials(true);
		await expect(clients(aws.url).sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
			name: 'ExpiredToken',
			message: 'The security token included in the request is expired',
			$metadata: {httpStatusCode: 403},
		});
		expect(aws.calls.map(call => `${call.service} ${call.action} ${call.accessKeyId}`)).toEqual([
			'sts GetCallerIdentity AKIAREHEARSAL0000000',
			'sts GetCallerIdentity AKIAPROD',
			'sts GetCallerIdentity AKIAREHEARSAL0000000',
		]);
	});
});

describe('AWS stand-in: EC2 through the real SDK', () => {
	it('finds images by owner, id and tag, and tells their launch permissions', async () => {
		aws = await startAwsStandIn();
		const built = aws.state.registerImage({
			name: 'convox-ami-20160916121812-dev',
			tags: {ReleaseRun: 'run-1', ConvoxVersion: '20160916121812'},
			launchPermissions: ['222222222222'],
		});
		aws.state.registerImage({name: 'convox-ami-other', tags: {ReleaseRun: 'run-2'}});
		const {ec2} = clients(aws.url);

		const byTag = await ec2.send(new DescribeImagesCommand({Owners: ['self'], Filters: [{Name: 'tag:ReleaseRun', Values: ['run-1']}]}));
		expect(byTag.Images).toHaveLength(1);
		expect(byTag.Images![0]).toMatchObject({
			ImageId: built.imageId,
			Name: 'convox-ami-20160916121812-dev',
			State: 'available',
			Public: false,
			OwnerId: '111111111111',
		});
		expect(byTag.Images![0]!.Tags).toContainEqual({Key: 'ConvoxVersion', Value: '20160916121812'});

		const byName = await ec2.send(new DescribeImagesCommand({Owners: ['self'], Filters: [{Name: 'name', Values: ['convox-ami-*']}]}));
		expect(byName.Images!.map(image => image.Name).sort()).toEqual(['convox-ami-20160916121812-dev', 'convox-ami-other']);
		const stock = await ec2.send(new DescribeImagesCommand({Owners: ['amazon'], ImageIds: ['ami-6bb2d67c']}));
		expect(stock.Images![0]).toMatchObject({ImageOwnerAlias: 'amazon', Public: true});
		await expect(ec2.send(new DescribeImagesCommand({ImageIds: ['ami-00000000000000000']}))).rejects.toMatchObject({
			name: 'InvalidAMIID.NotFound',
			message: "The image id '[ami-00000000000000000]' does not exist",
		});

		const permissions = await ec2.send(new DescribeImageAttributeCommand({ImageId: built.imageId, Attribute: 'launchPermission'}));
		expect(permissions).toMatchObject({ImageId: built.imageId, LaunchPermissions: [{UserId: '222222222222'}]});
		const stockPermissions = await ec2.send(new DescribeImageAttributeCommand({ImageId: 'ami-6bb2d67c', Attribute: 'launchPermission'}));
		expect(stockPermissions.LaunchPermissions).toEqual([{Group: 'all'}]);
	});

	it("lists the stack's instances and replaces them with instances on the new Ami after an update", async () => {
		releases = await startReleasesStandIn();
		aws = await startAwsStandIn({
			tickMs: 5,
			changeSetDelayMs: 0,
			stacks: [rackStackSeed(), rackStackSeed({stackName: 'convox-other', instances: 2})],
		});
		const {ec2, cloudformation} = clients(aws.url);
		const running = async (stackName: string) => {
			const instances: Instance[] = [];
			for await (const page of paginateDescribeInstances({client: ec2, pageSize: 2}, {Filters: stackFilter(stackName)})) {
				instances.push(...page.Reservations!.flatMap(reservation => reservation.Instances!));
			}

			return instances;
		};

		const before = await running('convox');
		expect(before).toHaveLength(3);
		expect(before.every(instance => instance.ImageId === 'ami-6bb2d67c' && instance.State!.Name === 'running')).toBe(true);
		expect(before[0]!.Tags).toContainEqual({Key: 'aws:cloudformation:stack-name', Value: 'convox'});
		expect(before[0]!.LaunchTime).toBeInstanceOf(Date);
		expect(await running('convox-other')).toHaveLength(2);

		const image = aws.state.registerImage({name: 'convox-ami-built', tags: {ReleaseRun: 'run-1'}});
		const parameters = aws.state
			.stack('convox')
			.parameters.map(parameter =>
				parameter.key === 'Ami'
					? {ParameterKey: 'Ami', ParameterValue: image.imageId}
					: {ParameterKey: parameter.key, UsePreviousValue: true},
			);
		const {Id} = await cloudformation.send(
			new CreateChangeSetCommand({
				StackName: 'convox',
				ChangeSetName: 'ami',
				TemplateURL: `${releases.url}/20160820033210/formation.json`,
				Capabilities: ['CAPABILITY_IAM'],
				Parameters: parameters,
			}),
		);
		await cloudformation.send(new ExecuteChangeSetCommand({ChangeSetName: Id}));
		expect((await settled(cloudformation, 'convox')).StackStatus).toBe('UPDATE_COMPLETE');

		const after = await running('convox');
		expect(after).toHaveLength(3);
		expect(after.every(instance => instance.ImageId === image.imageId)).toBe(true);
		expect(after.map(instance => instance.InstanceId)).not.toContain(before[0]!.InstanceId);
		const terminated = await ec2.send(new DescribeInstancesCommand({InstanceIds: [before[0]!.InstanceId!]}));
		expect(terminated.Reservations![0]!.Instances![0]!.State).toEqual({Code: 48, Name: 'terminated'});
		expect((await running('convox-other')).every(instance => instance.ImageId === 'ami-6bb2d67c')).toBe(true);
	});
});
