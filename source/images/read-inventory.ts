import {instancesOfImages, lastLaunchedAt, launchTemplateImages, stackAmis} from '../services/image-references';
import {findOwnImages} from '../services/own-images';
import type {AwsClients} from '../services/services';
import type {ImagePlace} from './image-places';
import type {RegionInventory} from './image-usage';
import type {JournalImages} from './journal-images';

/** Every read of one account and region: our images, then what names them. */
export async function readInventory(aws: AwsClients, place: ImagePlace, journal: JournalImages): Promise<RegionInventory> {
	const journalIds = [
		...new Set([...journal.built, ...journal.rollbackTargets].filter(known => known.region === place.region).map(known => known.imageId)),
	];
	const images = await findOwnImages(aws.ec2, journalIds);
	const imageIds = images.map(image => image.imageId);
	const [stacks, launchTemplates, instances, launched] = await Promise.all([
		stackAmis(aws.cloudformation, place.stackNames),
		launchTemplateImages(aws.ec2),
		imageIds.length > 0 ? instancesOfImages(aws.ec2, imageIds) : [],
		Promise.all(imageIds.map(async imageId => [imageId, await lastLaunchedAt(aws.ec2, imageId)] as const)),
	]);
	return {
		accountId: place.accountId,
		accountNames: place.accountNames,
		region: place.region,
		images,
		stacks,
		launchTemplates,
		instances,
		lastLaunched: Object.fromEntries(launched.filter((entry): entry is readonly [string, string] => entry[1] !== undefined)),
	};
}
