import type {InstanceReference, LaunchConfigurationsRead, LaunchTemplateReference, StackAmi} from '../services/image-references';
import type {OwnImage} from '../services/own-images';
import type {JournalImages} from './journal-images';

/** What was read in one account and region. */
export interface RegionInventory {
	accountId: string;
	/** The config's names of the account's racks in this region (or of the runs that built there). */
	accountNames: string[];
	region: string;
	images: OwnImage[];
	stacks: StackAmi[];
	launchTemplates: LaunchTemplateReference[];
	launchConfigurations: LaunchConfigurationsRead;
	instances: InstanceReference[];
	/** Image id → when an instance was last launched from it. */
	lastLaunched: Record<string, string>;
}

export interface ImageUse {
	/** Rack stacks whose `Ami` parameter names the image now. */
	stacks: string[];
	/** Runs whose rollback would put the image back on their rack. */
	rollbackOf: Array<{rack: string; runId: string}>;
	launchTemplates: Array<{id: string; name: string; version: number}>;
	/** Names of the launch configurations that name the image. */
	launchConfigurations: string[];
	instances: string[];
}

/** One line of `convox-ami images --json`: these field names are stable. */
export interface ImageRow {
	imageId: string;
	region: string;
	accountId: string;
	account: string;
	name: string;
	createdAt: string;
	ageDays: number | null;
	convoxVersion: string;
	sourceAmi: string;
	runId: string;
	usedBy: ImageUse;
	lastLaunchedAt: string | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function isInUse(use: ImageUse): boolean {
	return (
		use.stacks.length + use.rollbackOf.length + use.launchTemplates.length + use.launchConfigurations.length + use.instances.length > 0
	);
}

function useOf(image: OwnImage, inventory: RegionInventory, journal: JournalImages): ImageUse {
	return {
		stacks: inventory.stacks.filter(stack => stack.amiId === image.imageId).map(stack => stack.stackName),
		rollbackOf: journal.rollbackTargets
			.filter(target => target.imageId === image.imageId && target.region === image.region)
			.map(target => ({rack: target.account, runId: target.runId})),
		launchTemplates: inventory.launchTemplates
			.filter(template => template.imageId === image.imageId)
			.map(({id, name, version}) => ({id, name, version})),
		launchConfigurations:
			'references' in inventory.launchConfigurations
				? inventory.launchConfigurations.references
						.filter(configuration => configuration.imageId === image.imageId)
						.map(configuration => configuration.name)
				: [],
		instances: inventory.instances.filter(instance => instance.imageId === image.imageId).map(instance => instance.instanceId),
	};
}

/** A fleet's copy names the fleet run that copied it (it also carries the build's `ReleaseRun`, copied from its source). */
function runOf(image: OwnImage, journal: JournalImages): string {
	return (
		image.tags.FleetRun ||
		image.tags.ReleaseRun ||
		journal.built.find(built => built.imageId === image.imageId && built.region === image.region)?.runId ||
		''
	);
}

/** Whole days since `date` (none when it is missing or unreadable; a date still to come counts 0). */
export function ageInDays(date: string | undefined, now: Date): number | null {
	const since = date ? Date.parse(date) : Number.NaN;
	return Number.isNaN(since) ? null : Math.max(0, Math.floor((now.getTime() - since) / DAY_MS));
}

/** Every image of every inventory with where it is used, by account, region and then newest first. */
export function imageRows(inventories: RegionInventory[], journal: JournalImages, now: Date): ImageRow[] {
	const rows = inventories.flatMap(inventory =>
		inventory.images.map(image => ({
			imageId: image.imageId,
			region: image.region,
			accountId: inventory.accountId,
			account: inventory.accountNames.join(','),
			name: image.name ?? '',
			createdAt: image.creationDate ?? '',
			ageDays: ageInDays(image.creationDate, now),
			convoxVersion: image.tags.ConvoxVersion ?? '',
			sourceAmi: image.tags.SourceAmi ?? '',
			runId: runOf(image, journal),
			usedBy: useOf(image, inventory, journal),
			lastLaunchedAt: inventory.lastLaunched[image.imageId] ?? null,
		})),
	);
	return rows.sort(
		(a, b) => a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region) || b.createdAt.localeCompare(a.createdAt),
	);
}
