import type {EC2Client} from '@aws-sdk/client-ec2';
import {findOwnImages} from '../services/own-images';
import type {ImageHoldings} from '../workflow/report';
import {DEFAULT_KEEP} from './prune-plan';
import {errorName, errorText} from '../core/errors';

/** How many AMIs (and snapshots, GiB) convox-ami made in the client's account and region; a failed read says why instead. */
export async function imageHoldings(ec2: EC2Client, where: {accountId: string; region: string; account: string}): Promise<ImageHoldings> {
	try {
		const images = await findOwnImages(ec2, []);
		const snapshots = images.flatMap(image => image.snapshots);
		return {
			...where,
			images: images.length,
			snapshots: snapshots.length,
			gib: snapshots.reduce((sum, snapshot) => sum + snapshot.sizeGiB, 0),
			keep: DEFAULT_KEEP,
		};
	} catch (error) {
		return {unread: `DescribeImages failed (${errorName(error)}: ${errorText(error)})`};
	}
}
