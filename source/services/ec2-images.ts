import {
	DescribeImageAttributeCommand,
	DescribeImagesCommand,
	paginateDescribeImages,
	waitUntilImageAvailable,
	type EC2Client,
} from '@aws-sdk/client-ec2';

const RELEASE_RUN_TAG = 'ReleaseRun';

export interface RunImage {
	imageId: string;
	/** `pending`, `available`, `failed`, ... as EC2 reports it. */
	state: string;
	region: string;
	name?: string;
	creationDate?: string;
}

/** The account's own images tagged `ReleaseRun=RUN_ID` in the client's region, newest first. */
export async function findImagesByRun(ec2: EC2Client, runId: string): Promise<RunImage[]> {
	const region = await ec2.config.region();
	const images: RunImage[] = [];
	const pages = paginateDescribeImages({client: ec2}, {Owners: ['self'], Filters: [{Name: `tag:${RELEASE_RUN_TAG}`, Values: [runId]}]});
	for await (const page of pages) {
		for (const image of page.Images ?? []) {
			if (!image.ImageId) continue;
			images.push({
				imageId: image.ImageId,
				state: image.State ?? 'unknown',
				region,
				...(image.Name ? {name: image.Name} : {}),
				...(image.CreationDate ? {creationDate: image.CreationDate} : {}),
			});
		}
	}
	return images.sort((a, b) => (b.creationDate ?? '').localeCompare(a.creationDate ?? ''));
}

export interface ImageState {
	state: string;
	ownerId: string | undefined;
	architecture?: string;
	name?: string;
}

/** One image by id as EC2 describes it, or undefined when EC2 does not know it. */
export async function describeImage(ec2: EC2Client, amiId: string): Promise<ImageState | undefined> {
	try {
		const response = await ec2.send(new DescribeImagesCommand({ImageIds: [amiId]}));
		const image = response.Images?.find(candidate => candidate.ImageId === amiId);
		if (!image) return undefined;
		return {
			state: image.State ?? 'unknown',
			ownerId: image.OwnerId,
			...(image.Architecture ? {architecture: image.Architecture} : {}),
			...(image.Name ? {name: image.Name} : {}),
		};
	} catch (error) {
		const name = (error as {name?: string}).name;
		if (name === 'InvalidAMIID.NotFound' || name === 'InvalidAMIID.Unavailable') return undefined;
		throw error;
	}
}

export type LaunchAccess = {visibility: 'private'} | {visibility: 'public'} | {visibility: 'shared'; with: string[]};

/** Who may launch the image: anyone (`public`), named accounts or organizations (`shared`), or only its owner. */
export async function launchPermissions(ec2: EC2Client, amiId: string): Promise<LaunchAccess> {
	const response = await ec2.send(new DescribeImageAttributeCommand({ImageId: amiId, Attribute: 'launchPermission'}));
	const permissions = response.LaunchPermissions ?? [];
	if (permissions.some(permission => permission.Group === 'all')) return {visibility: 'public'};
	const grantees = permissions.flatMap(permission =>
		[permission.UserId, permission.OrganizationArn, permission.OrganizationalUnitArn].filter((id): id is string => Boolean(id)),
	);
	return grantees.length > 0 ? {visibility: 'shared', with: grantees} : {visibility: 'private'};
}

export interface WaitOptions {
	maxWaitSeconds?: number;
	/** Seconds between polls at first (the SDK backs off from there). */
	minDelaySeconds?: number;
	/** Longest pause between polls; default 120 s (the SDK's). */
	maxDelaySeconds?: number;
	signal?: AbortSignal;
}

/** Waits with the SDK's own waiter until a pending image is `available`; throws if it fails or the wait runs out. */
export async function waitForImage(ec2: EC2Client, amiId: string, options: WaitOptions = {}): Promise<void> {
	const minDelay = options.minDelaySeconds ?? 15;
	await waitUntilImageAvailable(
		{
			client: ec2,
			maxWaitTime: options.maxWaitSeconds ?? 3600,
			minDelay,
			maxDelay: Math.max(minDelay, options.maxDelaySeconds ?? 120),
			...(options.signal ? {abortSignal: options.signal} : {}),
		},
		{ImageIds: [amiId]},
	);
}

/** An image's architecture as EC2 reports it (`x86_64`, `arm64`, ...), or undefined when the image is not visible. */
export async function imageArchitecture(ec2: EC2Client, amiId: string): Promise<string | undefined> {
	return (await describeImage(ec2, amiId))?.architecture;
}

export async function imageName(ec2: EC2Client, amiId: string): Promise<string | undefined> {
	return (await describeImage(ec2, amiId))?.name;
}
