import {instancesOfImages, lastLaunchedAt, launchConfigurationImages, launchTemplateImages, stackAmis} from '../services/image-references';
import {findOwnImages} from '../services/own-images';
import type {AwsClients} from '../core/ports';
import type {ImagePlace} from './image-places';
import type {RegionInventory} from './image-usage';
import type {JournalImages} from './journal-images';

/** DescribeImageAttribute takes one image a call: a few at a time, not hundreds at once. */
const ATTRIBUTE_CALLS_AT_ONCE = 8;

async function lastLaunchedTimes(aws: AwsClients, imageIds: string[]): Promise<Record<string, string>> {
	const times: Record<string, string> = {};
	for (let start = 0; start < imageIds.length; start += ATTRIBUTE_CALLS_AT_ONCE) {
		const batch = imageIds.slice(start, start + ATTRIBUTE_CALLS_AT_ONCE);
		const launched = await Promise.all(batch.map(imageId => lastLaunchedAt(aws.ec2, imageId)));
		batch.forEach((imageId, index) => {
			if (launched[index]) times[imageId] = launched[index];
		});
	}
	return times;
}

/** Every read of one account and region: our images, then what names them. */
export async function readInventory(aws: AwsClients, place: ImagePlace, journal: JournalImages): Promise<RegionInventory> {
	const journalIds = [
		...new Set([...journal.built, ...journal.rollbackTargets].filter(known => known.region === place.region).map(known => known.imageId)),
	];
	const images = await findOwnImages(aws.ec2, journalIds);
	const imageIds = images.map(image => image.imageId);
	const [stacks, launchTemplates, launchConfigurations, instances, launched] = await Promise.all([
		stackAmis(aws.cloudformation, place.stackNames),
		launchTemplateImages(aws.ec2),
		launchConfigurationImages(aws.autoScaling),
		imageIds.length > 0 ? instancesOfImages(aws.ec2, imageIds) : [],
		lastLaunchedTimes(aws, imageIds),
	]);
	return {
		accountId: place.accountId,
		accountNames: place.accountNames,
		region: place.region,
		images,
		stacks,
		launchTemplates,
		launchConfigurations,
		instances,
		lastLaunched: launched,
	};
}
