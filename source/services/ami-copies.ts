import {createHash} from 'node:crypto';
import {CopyImageCommand, DescribeImagesCommand, paginateDescribeImages, type EC2Client, type Image} from '@aws-sdk/client-ec2';
import {launchPermissions, waitForImage, type LaunchAccess} from './ec2-images';
import {errorText} from '../core/errors';
import type {ImageCopies, ImageCopyRequest} from '../core/ami';

const FLEET_RUN_TAG = 'FleetRun';
const SOURCE_AMI_TAG = 'SourceAmiId';
const SOURCE_REGION_TAG = 'SourceRegion';
const LIVE_STATES = new Set(['pending', 'available']);

export interface AmiCopyRequest {
	/** Where the built AMI is. */
	sourceRegion: string;
	sourceAmiId: string;
	targetRegion: string;
	/** Links the copy to the fleet run, so a resume finds it by tag instead of copying again. */
	fleetRunId: string;
	/** Name and description of the copy; default the source AMI's. */
	name?: string;
	description?: string;
}

export interface AmiCopy {
	targetRegion: string;
	amiId: string;
	/** Found from an earlier attempt (not copied again). */
	adopted: boolean;
}

export interface AmiCopyProgress {
	targetRegion: string;
	/** `found`: a copy from an earlier attempt; `copying`: CopyImage was just called. */
	phase: 'found' | 'copying' | 'waiting' | 'available';
	amiId: string;
	message: string;
}

export interface AmiCopyOptions {
	signal?: AbortSignal;
	onProgress?: (progress: AmiCopyProgress) => void;
	/** How long to wait for one copy to become available; default 3600 s. */
	maxWaitSeconds?: number;
	/** Pauses between polls of a pending copy; defaults 15 s and 120 s. */
	minDelaySeconds?: number;
	maxDelaySeconds?: number;
}

/** EC2 reported the copy `failed`. */
class AmiCopyFailedError extends Error {
	constructor(
		readonly targetRegion: string,
		readonly amiId: string,
		readonly reason: string,
	) {
		super(
			`The copy ${amiId} in ${targetRegion} failed: ${reason}. Resume to copy again (the failed image can be removed with aws ec2 deregister-image --region ${targetRegion} --image-id ${amiId}).`,
		);
		this.name = 'AmiCopyFailedError';
	}
}

/** The copy can be launched by someone other than its owner; it holds secrets, so it is not used. */
class AmiCopySharedError extends Error {
	constructor(
		readonly targetRegion: string,
		readonly amiId: string,
		readonly access: Exclude<LaunchAccess, {visibility: 'private'}>,
	) {
		const who = access.visibility === 'public' ? 'is public: anyone can launch it' : `can be launched by ${access.with.join(', ')}`;
		super(
			`The copy ${amiId} in ${targetRegion} ${who}, and it holds the Librato and logspout secrets. It is not used. Make it private (aws ec2 reset-image-attribute --region ${targetRegion} --image-id ${amiId} --attribute launchPermission), then resume.`,
		);
		this.name = 'AmiCopySharedError';
	}
}

/** Some regions got no usable copy; `copies` holds those that did. */
export class AmiCopiesError extends Error {
	constructor(
		readonly failures: Array<{targetRegion: string; error: Error}>,
		readonly copies: AmiCopy[],
	) {
		super(failures.map(failure => failure.error.message).join('\n'));
		this.name = 'AmiCopiesError';
	}
}

async function copiesOf(target: EC2Client, request: AmiCopyRequest, signal?: AbortSignal): Promise<Image[]> {
	const filters = [
		{Name: `tag:${FLEET_RUN_TAG}`, Values: [request.fleetRunId]},
		{Name: `tag:${SOURCE_AMI_TAG}`, Values: [request.sourceAmiId]},
	];
	const images: Image[] = [];
	for await (const page of paginateDescribeImages(
		{client: target, ...(signal ? {abortSignal: signal} : {})},
		{Owners: ['self'], Filters: filters},
	)) {
		images.push(...(page.Images ?? []));
	}
	return images.sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''));
}

/**
 * CopyImage is idempotent per ClientToken: the same attempt (same run, source, region, and the same
 * failed copies before it) gets the same token, so a call whose answer was lost is not repeated
 * even before DescribeImages shows the copy. A failed attempt changes the token, so a resume copies again.
 */
function clientToken(request: AmiCopyRequest, failedCopies: string[]): string {
	const key = [request.fleetRunId, request.sourceRegion, request.sourceAmiId, request.targetRegion, ...[...failedCopies].sort()].join('\n');
	return createHash('sha256').update(key).digest('hex');
}

/** The source image, if this account's own and available. */
async function copyableSource(source: EC2Client, request: AmiCopyRequest, signal?: AbortSignal): Promise<Image> {
	const {Images} = await source.send(
		new DescribeImagesCommand({Owners: ['self'], Filters: [{Name: 'image-id', Values: [request.sourceAmiId]}]}),
		{abortSignal: signal},
	);
	const image = Images?.[0];
	if (!image) {
		throw new Error(
			`The AMI ${request.sourceAmiId} is not among this account's images in ${request.sourceRegion}: only an AMI built in this account is copied to its other regions.`,
		);
	}
	if (image.State !== 'available') {
		throw new Error(
			`The AMI ${request.sourceAmiId} in ${request.sourceRegion} is ${image.State ?? 'in an unknown state'}; it can be copied once it is available.`,
		);
	}
	return image;
}

async function startCopy(
	clients: {source: EC2Client; target: EC2Client},
	request: AmiCopyRequest,
	failedCopies: string[],
	signal?: AbortSignal,
): Promise<string> {
	const image = await copyableSource(clients.source, request, signal);
	const name = request.name ?? image.Name ?? request.sourceAmiId;
	const description = request.description ?? image.Description;
	const tags = [
		{Key: FLEET_RUN_TAG, Value: request.fleetRunId},
		{Key: SOURCE_AMI_TAG, Value: request.sourceAmiId},
		{Key: SOURCE_REGION_TAG, Value: request.sourceRegion},
	];
	try {
		const {ImageId} = await clients.target.send(
			new CopyImageCommand({
				SourceRegion: request.sourceRegion,
				SourceImageId: request.sourceAmiId,
				Name: name,
				...(description ? {Description: description} : {}),
				Encrypted: true,
				CopyImageTags: true,
				TagSpecifications: (['image', 'snapshot'] as const).map(ResourceType => ({ResourceType, Tags: tags})),
				ClientToken: clientToken(request, failedCopies),
			}),
			{abortSignal: signal},
		);
		if (!ImageId) throw new Error('EC2 answered without an image id');
		return ImageId;
	} catch (error) {
		if (error instanceof Error && error.name === 'AbortError') throw error;
		const message = errorText(error);
		if (error instanceof Error && error.name === 'InvalidAMIName.Duplicate') {
			throw new Error(
				`Cannot copy ${request.sourceAmiId} to ${request.targetRegion}: ${message}, an image this fleet run did not copy. Deregister it or give the build a new version, then resume.`,
				{cause: error},
			);
		}
		throw new Error(`Copying ${request.sourceAmiId} from ${request.sourceRegion} to ${request.targetRegion} failed: ${message}`, {
			cause: error,
		});
	}
}

async function waitForCopy(target: EC2Client, request: AmiCopyRequest, amiId: string, options: AmiCopyOptions): Promise<void> {
	const maxWaitSeconds = options.maxWaitSeconds ?? 3600;
	try {
		await waitForImage(target, amiId, {
			maxWaitSeconds,
			...(options.minDelaySeconds === undefined ? {} : {minDelaySeconds: options.minDelaySeconds}),
			...(options.maxDelaySeconds === undefined ? {} : {maxDelaySeconds: options.maxDelaySeconds}),
			...(options.signal ? {signal: options.signal} : {}),
		});
	} catch (error) {
		if (error instanceof Error && error.name === 'AbortError') throw error;
		if (error instanceof Error && error.name === 'TimeoutError') {
			throw new Error(
				`The copy ${amiId} in ${request.targetRegion} was still not available after ${maxWaitSeconds} s; it goes on copying, and a resume waits for it again.`,
				{cause: error},
			);
		}
		const {Images} = await target.send(new DescribeImagesCommand({ImageIds: [amiId]}));
		const image = Images?.[0];
		if (image && !LIVE_STATES.has(image.State ?? '')) {
			throw new AmiCopyFailedError(request.targetRegion, amiId, image.StateReason?.Message ?? `its state is ${image.State}`);
		}
		throw error;
	}
}

/**
 * Finds a copy made earlier for this fleet run and source AMI (by its tags), else copies it
 * (encrypted, tags copied, tagged FleetRun and SourceAmiId); waits until it is available and
 * refuses a copy that anyone but its owner may launch.
 */
async function copyAmi(
	clients: {source: EC2Client; target: EC2Client},
	request: AmiCopyRequest,
	options: AmiCopyOptions = {},
): Promise<AmiCopy> {
	const {targetRegion} = request;
	const report = (phase: AmiCopyProgress['phase'], amiId: string, message: string) =>
		options.onProgress?.({targetRegion, phase, amiId, message});
	options.signal?.throwIfAborted();
	const earlier = await copiesOf(clients.target, request, options.signal);
	const live = earlier.find(image => LIVE_STATES.has(image.State ?? '') && image.ImageId);
	let amiId: string;
	let state: string;
	if (live) {
		amiId = live.ImageId!;
		state = live.State!;
		report('found', amiId, `${targetRegion}: found ${amiId} (${state}), copied earlier for this fleet run`);
	} else {
		const failed = earlier.flatMap(image => (image.ImageId ? [image.ImageId] : []));
		amiId = await startCopy(clients, request, failed, options.signal);
		state = 'pending';
		report('copying', amiId, `${targetRegion}: copying ${request.sourceAmiId} from ${request.sourceRegion} as ${amiId}`);
	}
	if (state !== 'available') {
		report('waiting', amiId, `${targetRegion}: waiting for ${amiId} to become available`);
		await waitForCopy(clients.target, request, amiId, options);
	}
	const access = await launchPermissions(clients.target, amiId);
	if (access.visibility !== 'private') throw new AmiCopySharedError(targetRegion, amiId, access);
	report('available', amiId, `${targetRegion}: ${amiId} is available and private`);
	return {targetRegion, amiId, adopted: Boolean(live)};
}

/**
 * Copies the AMI to every target region (the source region and duplicates are left out), at most
 * `concurrency` at a time, each resumable as `copyAmi`. The copies come in the order of `targetRegions`.
 */
export async function copyAmiToRegions(
	clientsFor: (region: string) => Promise<EC2Client>,
	source: {region: string; amiId: string; name?: string; description?: string},
	targetRegions: string[],
	fleetRunId: string,
	options: AmiCopyOptions & {concurrency?: number} = {},
): Promise<AmiCopy[]> {
	const regions = [...new Set(targetRegions)].filter(region => region !== source.region);
	const sourceClient = await clientsFor(source.region);
	const copies = new Map<string, AmiCopy>();
	const failures: Array<{targetRegion: string; error: Error}> = [];
	const queue = [...regions];
	const worker = async () => {
		for (let region = queue.shift(); region; region = queue.shift()) {
			try {
				const target = await clientsFor(region);
				const request: AmiCopyRequest = {
					sourceRegion: source.region,
					sourceAmiId: source.amiId,
					targetRegion: region,
					fleetRunId,
					...(source.name ? {name: source.name} : {}),
					...(source.description ? {description: source.description} : {}),
				};
				copies.set(region, await copyAmi({source: sourceClient, target}, request, options));
			} catch (error) {
				failures.push({targetRegion: region, error: error instanceof Error ? error : new Error(String(error))});
			}
		}
	};
	await Promise.all(Array.from({length: Math.max(1, Math.min(options.concurrency ?? 4, regions.length))}, worker));
	options.signal?.throwIfAborted();
	const done = regions.flatMap(region => copies.get(region) ?? []);
	if (failures.length > 0) throw new AmiCopiesError(failures, done);
	return done;
}

/** A fleet's AMI copied to its other regions, every region at once: what was copied (or found), and what failed with why. */
export async function copyFleetImage(
	clientsFor: (region: string) => Promise<EC2Client>,
	{source, regions, fleetRunId, signal, onProgress}: ImageCopyRequest,
	poll: Pick<AmiCopyOptions, 'minDelaySeconds' | 'maxDelaySeconds'> = {},
): Promise<ImageCopies> {
	const copiedOf = (copies: AmiCopy[]) => copies.map(({targetRegion, amiId, adopted}) => ({region: targetRegion, amiId, adopted}));
	try {
		const copies = await copyAmiToRegions(clientsFor, source, regions, fleetRunId, {
			signal,
			concurrency: regions.length,
			onProgress: progress => {
				if (progress.phase === 'copying' || progress.phase === 'found') onProgress(progress.message);
			},
			...poll,
		});
		return {copied: copiedOf(copies), failed: []};
	} catch (error) {
		if (!(error instanceof AmiCopiesError)) throw error;
		return {
			copied: copiedOf(error.copies),
			failed: error.failures.map(failure => ({region: failure.targetRegion, error: failure.error.message})),
		};
	}
}
