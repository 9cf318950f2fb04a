import {DeregisterImageCommand, DisableImageCommand, EnableImageDeprecationCommand, type EC2Client} from '@aws-sdk/client-ec2';

/** EC2 takes DeprecateAt to the minute and refuses a time in the past: the next whole minute. */
function nextMinute(now: Date): Date {
	return new Date(Math.ceil((now.getTime() + 1000) / 60_000) * 60_000);
}

/** Hidden from listings (still launchable by id) from the next minute on. */
export async function deprecateImage(ec2: EC2Client, imageId: string, now: Date): Promise<void> {
	await ec2.send(new EnableImageDeprecationCommand({ImageId: imageId, DeprecateAt: nextMinute(now)}));
}

/** No launch possible any more; EnableImage undoes it. */
export async function disableImage(ec2: EC2Client, imageId: string): Promise<void> {
	await ec2.send(new DisableImageCommand({ImageId: imageId}));
}

/** The snapshots EC2 failed to delete with their image, with its error code. */
export type SnapshotFailures = Array<{snapshotId: string; code: string}>;

/** Deregisters the image and deletes its snapshots in the same call. */
export async function deregisterImage(ec2: EC2Client, imageId: string): Promise<SnapshotFailures> {
	const {DeleteSnapshotResults} = await ec2.send(new DeregisterImageCommand({ImageId: imageId, DeleteAssociatedSnapshots: true}));
	return (DeleteSnapshotResults ?? []).flatMap(result =>
		result.SnapshotId && result.ReturnCode && result.ReturnCode !== 'success'
			? [{snapshotId: result.SnapshotId, code: result.ReturnCode}]
			: [],
	);
}
