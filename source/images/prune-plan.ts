import type {OwnImage} from '../services/own-images';
import {ageInDays, imageRows, isInUse, type ImageRow, type RegionInventory} from './image-usage';
import type {JournalImages} from './journal-images';

/** `--keep` and `--min-age` when not given. */
export const DEFAULT_KEEP = 3;
export const DEFAULT_MIN_AGE_DAYS = 30;

/** A retired image stays deprecated this long (and unlaunched) before it is disabled. */
const DAYS_DEPRECATED_BEFORE_DISABLE = 14;
/** ... and disabled this long before it is deregistered with its snapshots. */
const DAYS_DISABLED_BEFORE_DEREGISTER = 14;

export type PruneAction = 'deprecate' | 'disable' | 'deregister';
/** Where an image stands: `deprecated` from the moment EnableImageDeprecation set its time. */
export type PruneStage = 'available' | 'deprecated' | 'disabled' | 'pending' | 'failed';

/** The rules that keep an image, in the order they are tried (the first that holds is named). */
export type KeepRule =
	'in-use' | 'rollback-target' | 'uses-unread' | 'protected' | 'launched' | 'with-copy' | 'newest' | 'young' | 'not-settled';
/** `retire`: the image moves to its next stage now; `grace`: it is retired but waits out its grace period. */
export type PruneRule = KeepRule | 'retire' | 'grace';

export interface PruneSettings {
	/** The newest this many per account and region are kept. */
	keep: number;
	/** Images younger than this are kept. */
	minAgeDays: number;
	now: Date;
}

/** One line of the plan (`prune --json`: these field names are stable). */
export interface PruneEntry {
	imageId: string;
	region: string;
	accountId: string;
	account: string;
	name: string;
	ageDays: number | null;
	stage: PruneStage;
	next: PruneAction | null;
	rule: PruneRule;
	why: string;
	snapshots: OwnImage['snapshots'];
}

interface Candidate {
	row: ImageRow;
	image: OwnImage;
}

function stageOf(image: OwnImage): PruneStage {
	if (image.state === 'disabled') return 'disabled';
	if (image.state === 'pending' || image.state === 'failed') return image.state;
	return image.deprecationTime ? 'deprecated' : 'available';
}

function day(iso: string): string {
	return iso.slice(0, 10);
}

function uses(row: ImageRow): string {
	const {stacks, launchTemplates, launchConfigurations, instances} = row.usedBy;
	return [
		...stacks.map(stack => `stack ${stack}`),
		...launchTemplates.map(template => `launch template ${template.name || template.id}`),
		...launchConfigurations.map(configuration => `launch configuration ${configuration}`),
		...(instances.length > 0 ? [`${instances.length} instance(s) (${instances.slice(0, 3).join(', ')})`] : []),
	].join(', ');
}

type Kept = {rule: KeepRule; why: string};

/** The places (`account/region`) whose launch configurations could not be read: a use there cannot be ruled out. */
function placesUnread(inventories: RegionInventory[]): Set<string> {
	return new Set(
		inventories
			.filter(inventory => 'refused' in inventory.launchConfigurations)
			.map(inventory => `${inventory.accountId}/${inventory.region}`),
	);
}

/** The keep rule of the image's own uses and settings, if one holds. */
function useRule({row, image}: Candidate, unread: Set<string>): Kept | undefined {
	if (isInUse({...row.usedBy, rollbackOf: []})) return {rule: 'in-use', why: `in use: ${uses(row)}`};
	if (row.usedBy.rollbackOf.length > 0) {
		const targets = row.usedBy.rollbackOf.map(target => `${target.rack} (rollback ${target.runId})`);
		return {rule: 'rollback-target', why: `the rollback target of ${targets.join(', ')}`};
	}
	if (unread.has(`${row.accountId}/${row.region}`)) {
		const why = `the launch configurations of ${row.accountId} ${row.region} could not be read (autoscaling:DescribeLaunchConfigurations refused): a use cannot be ruled out`;
		return {rule: 'uses-unread', why};
	}
	if (image.deregistrationProtection) return {rule: 'protected', why: 'deregistration protection is enabled'};
	if (image.state === 'pending' || image.state === 'failed') return {rule: 'not-settled', why: `${image.state}: neither used nor retired`};
	if (image.deprecationTime && row.lastLaunchedAt && row.lastLaunchedAt > image.deprecationTime) {
		return {rule: 'launched', why: `launched on ${day(row.lastLaunchedAt)}, after its deprecation: someone still needs it`};
	}
	return undefined;
}

/** The keep rule of the image's rank among the releases of its account and region, and of its age. */
function ageRule({row}: Candidate, rank: number, settings: PruneSettings): Kept | undefined {
	if (rank < settings.keep) return {rule: 'newest', why: `one of the newest ${settings.keep} in ${row.accountId} ${row.region}`};
	if (row.ageDays === null) return {rule: 'young', why: 'no creation date: its age is unknown'};
	if (row.ageDays < settings.minAgeDays) return {rule: 'young', why: `${row.ageDays} days old, younger than ${settings.minAgeDays}`};
	return undefined;
}

/** The next stage of a retired image, or the grace it still waits out. */
function retirement({image}: Candidate, now: Date): {next: PruneAction | null; rule: PruneRule; why: string} {
	const days = ageInDays(image.deprecationTime, now);
	if (days === null) {
		return {next: 'deprecate', rule: 'retire', why: 'unused, not among the newest, old enough: deprecated first'};
	}
	if (image.state !== 'disabled') {
		if (days >= DAYS_DEPRECATED_BEFORE_DISABLE) {
			return {next: 'disable', rule: 'retire', why: `deprecated ${days} days ago and not launched since`};
		}
		return {next: null, rule: 'grace', why: `deprecated ${Math.max(0, days)} days ago: disabled after ${DAYS_DEPRECATED_BEFORE_DISABLE}`};
	}
	const total = DAYS_DEPRECATED_BEFORE_DISABLE + DAYS_DISABLED_BEFORE_DEREGISTER;
	if (days >= total)
		return {next: 'deregister', rule: 'retire', why: `deprecated ${days} days ago, disabled since: deregistered with its snapshots`};
	return {next: null, rule: 'grace', why: `disabled; deregistered ${total} days after its deprecation (${days} so far)`};
}

/**
 * Every image of the inventories with its stage now, its next stage and the rule that decides it.
 * A fleet's copy (tagged SourceAmiId) goes with its source: a use of either keeps both, and the copy
 * follows its source's rank and age; a copy whose source was not read is kept.
 */
export function prunePlan(inventories: RegionInventory[], journal: JournalImages, settings: PruneSettings): PruneEntry[] {
	const rows = imageRows(inventories, journal, settings.now);
	const images = new Map(inventories.flatMap(inventory => inventory.images.map(image => [`${image.region}/${image.imageId}`, image])));
	const candidates: Candidate[] = rows.map(row => ({row, image: images.get(`${row.region}/${row.imageId}`)!}));
	const unread = placesUnread(inventories);
	const read = new Set(inventories.map(inventory => `${inventory.accountId}/${inventory.region}`));
	const sourceOf = (candidate: Candidate) => {
		const {SourceAmiId: source, SourceRegion: sourceRegion} = candidate.image.tags;
		if (!source || !sourceRegion) return undefined;
		return (
			candidates.find(other => other.row.accountId === candidate.row.accountId && other.row.imageId === source) ?? {source, sourceRegion}
		);
	};
	const releaseOf = (candidate: Candidate) => {
		const source = sourceOf(candidate);
		return source && 'row' in source ? source : candidate;
	};
	const used = new Map(candidates.map(candidate => [candidate, useRule(candidate, unread)]));
	// Rows come newest first within an account and region; a copy whose source is here is not ranked itself.
	const ranked = candidates.filter(candidate => releaseOf(candidate) === candidate);
	const ages = new Map(
		ranked.map(candidate => {
			const place = ranked.filter(other => other.row.accountId === candidate.row.accountId && other.row.region === candidate.row.region);
			return [candidate, ageRule(candidate, place.indexOf(candidate), settings)];
		}),
	);
	return candidates.map(candidate => {
		const {row, image} = candidate;
		const base = {
			imageId: row.imageId,
			region: row.region,
			accountId: row.accountId,
			account: row.account,
			name: row.name,
			ageDays: row.ageDays,
			stage: stageOf(image),
			snapshots: image.snapshots,
		};
		const own = used.get(candidate);
		if (own) return {...base, next: null, ...own};
		const release = releaseOf(candidate);
		const user = candidates.find(other => other !== candidate && releaseOf(other) === release && used.get(other));
		if (user) {
			const why = `${user.row.imageId} in ${user.row.region} is kept (${used.get(user)!.rule}): a source and its copies go together`;
			return {...base, next: null, rule: 'with-copy', why};
		}
		const source = sourceOf(candidate);
		if (source && !('row' in source) && !read.has(`${row.accountId}/${source.sourceRegion}`)) {
			const why = `a copy of ${source.source} in ${source.sourceRegion}, which was not read: it goes with its source (prune without --region)`;
			return {...base, next: null, rule: 'with-copy', why};
		}
		const age = ages.get(release);
		if (age && release !== candidate) {
			return {...base, next: null, rule: 'with-copy', why: `a copy of ${release.row.imageId}, kept (${age.rule})`};
		}
		if (age) return {...base, next: null, ...age};
		return {...base, ...retirement(candidate, settings.now)};
	});
}
