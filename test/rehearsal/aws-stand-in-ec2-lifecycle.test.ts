import {
	DeleteSnapshotCommand,
	DeregisterImageCommand,
	DescribeImagesCommand,
	DisableImageCommand,
	EC2Client,
	EnableImageCommand,
	EnableImageDeprecationCommand,
} from '@aws-sdk/client-ec2';
import {afterEach, describe, expect, it} from 'vitest';
import {startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {clientConfig} from './aws-clients';

let aws: AwsStandIn | undefined;

afterEach(async () => {
	await aws?.close();
	aws = undefined;
});

const OWN = 'ami-0b000000000000001';
const PROTECTED = 'ami-0b000000000000002';

async function start(): Promise<EC2Client> {
	aws = await startAwsStandIn({
		images: [
			{imageId: OWN, name: 'own', ownerId: '111111111111', region: 'us-east-1'},
			{imageId: PROTECTED, name: 'protected', ownerId: '111111111111', region: 'us-east-1', deregistrationProtection: true},
		],
		imageRefusals: [{action: 'DisableImage', imageId: PROTECTED, code: 'InvalidAMIID.Unavailable'}],
	});
	return new EC2Client(clientConfig(aws.url));
}

const describeOwn = (ec2: EC2Client, includeDisabled = false) =>
	ec2.send(new DescribeImagesCommand({Owners: ['self'], IncludeDisabled: includeDisabled})).then(({Images}) => Images ?? []);

describe('AWS stand-in: the life of an image, through the real SDK', () => {
	it('deprecates to the minute, refusing a time in the past', async () => {
		const ec2 = await start();
		await expect(
			ec2.send(new EnableImageDeprecationCommand({ImageId: OWN, DeprecateAt: new Date('2020-01-01T00:00:00Z')})),
		).rejects.toThrow(/in the past/);
		const at = new Date(Date.now() + 5 * 60_000);
		await ec2.send(new EnableImageDeprecationCommand({ImageId: OWN, DeprecateAt: at}));
		const [image] = (await describeOwn(ec2)).filter(candidate => candidate.ImageId === OWN);
		expect(image?.DeprecationTime).toBe(new Date(Math.round(at.getTime() / 60_000) * 60_000).toISOString().replace('.000Z', 'Z'));
		expect(image?.DeregistrationProtection).toBe('disabled');
	});

	it('hides a disabled image unless asked for, and enables it again', async () => {
		const ec2 = await start();
		await ec2.send(new DisableImageCommand({ImageId: OWN}));
		expect((await describeOwn(ec2)).map(image => image.ImageId)).toEqual([PROTECTED]);
		expect((await describeOwn(ec2, true)).find(image => image.ImageId === OWN)?.State).toBe('disabled');
		await ec2.send(new EnableImageCommand({ImageId: OWN}));
		expect((await describeOwn(ec2)).find(image => image.ImageId === OWN)?.State).toBe('available');
	});

	it('deregisters with the snapshots, honours deregistration protection and answers the seeded refusals', async () => {
		const ec2 = await start();
		const snapshotId = `snap-${OWN.slice(4)}`;
		expect((await describeOwn(ec2)).find(image => image.ImageId === OWN)?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId).toBe(snapshotId);
		await expect(ec2.send(new DeleteSnapshotCommand({SnapshotId: snapshotId}))).rejects.toMatchObject({name: 'InvalidSnapshot.InUse'});
		const {DeleteSnapshotResults} = await ec2.send(new DeregisterImageCommand({ImageId: OWN, DeleteAssociatedSnapshots: true}));
		expect(DeleteSnapshotResults).toEqual([{SnapshotId: snapshotId, ReturnCode: 'success'}]);
		expect(aws!.state.data.deletedSnapshots).toEqual([snapshotId]);
		await expect(ec2.send(new DeleteSnapshotCommand({SnapshotId: snapshotId}))).rejects.toMatchObject({name: 'InvalidSnapshot.NotFound'});

		await expect(ec2.send(new DeregisterImageCommand({ImageId: PROTECTED}))).rejects.toMatchObject({name: 'OperationNotPermitted'});
		expect((await describeOwn(ec2)).map(image => [image.ImageId, image.DeregistrationProtection])).toEqual([[PROTECTED, 'enabled']]);
		await expect(ec2.send(new DisableImageCommand({ImageId: PROTECTED}))).rejects.toMatchObject({name: 'InvalidAMIID.Unavailable'});
		expect(aws!.writes().map(call => [call.action, call.error])).toEqual([
			['DeleteSnapshot', 'InvalidSnapshot.InUse'],
			['DeregisterImage', undefined],
			['DeleteSnapshot', 'InvalidSnapshot.NotFound'],
			['DeregisterImage', 'OperationNotPermitted'],
			['DisableImage', 'InvalidAMIID.Unavailable'],
		]);
	});
});
