import {paginateDescribeImages, type EC2Client, type Filter} from '@aws-sdk/client-ec2';

/** The tags this tool writes on what it makes: `ReleaseRun` on a build (packer template), `FleetRun` on a fleet's copy. */
const OWN_IMAGE_TAG_KEYS = ['ReleaseRun', 'FleetRun'];
/** DescribeImages takes at most 200 values in one filter. */
const FILTER_VALUES_MAX = 200;

export interface OwnImage {
	imageId: string;
	region: string;
	state: string;
	name?: string;
	creationDate?: string;
	tags: Record<string, string>;
	/** When EC2 deprecates (or deprecated) it: EnableImageDeprecation's time. */
	deprecationTime?: string;
	deregistrationProtection: boolean;
	/** The EBS snapshots behind it, and their size in GiB. */
	snapshots: Array<{snapshotId: string; sizeGiB: number}>;
}

async function describeOwn(ec2: EC2Client, region: string, filters: Filter[]): Promise<OwnImage[]> {
	const images: OwnImage[] = [];
	const request = {Owners: ['self'], Filters: filters, IncludeDeprecated: true, IncludeDisabled: true};
	for await (const page of paginateDescribeImages({client: ec2}, request)) {
		for (const image of page.Images ?? []) {
			if (!image.ImageId) continue;
			images.push({
				imageId: image.ImageId,
				region,
				state: image.State ?? 'unknown',
				...(image.Name ? {name: image.Name} : {}),
				...(image.CreationDate ? {creationDate: image.CreationDate} : {}),
				tags: Object.fromEntries((image.Tags ?? []).flatMap(tag => (tag.Key ? [[tag.Key, tag.Value ?? '']] : []))),
				...(image.DeprecationTime ? {deprecationTime: image.DeprecationTime} : {}),
				// `enabled` or `enabled-with-cooldown`: either refuses a deregistration.
				deregistrationProtection: image.DeregistrationProtection?.startsWith('enabled') ?? false,
				snapshots: (image.BlockDeviceMappings ?? []).flatMap(mapping =>
					mapping.Ebs?.SnapshotId ? [{snapshotId: mapping.Ebs.SnapshotId, sizeGiB: mapping.Ebs.VolumeSize ?? 0}] : [],
				),
			});
		}
	}
	return images;
}

/**
 * The account's own images in the client's region that this tool made: tagged by it, or named by
 * the journal (`journalImageIds`, for templates that do not tag). An id EC2 does not know is left out.
 */
export async function findOwnImages(ec2: EC2Client, journalImageIds: string[]): Promise<OwnImage[]> {
	const region = await ec2.config.region();
	const batches = [
		[{Name: 'tag-key', Values: OWN_IMAGE_TAG_KEYS}],
		...Array.from({length: Math.ceil(journalImageIds.length / FILTER_VALUES_MAX)}, (_, index) => [
			{Name: 'image-id', Values: journalImageIds.slice(index * FILTER_VALUES_MAX, (index + 1) * FILTER_VALUES_MAX)},
		]),
	];
	const found = (await Promise.all(batches.map(filters => describeOwn(ec2, region, filters)))).flat();
	return [...new Map(found.map(image => [image.imageId, image])).values()];
}
