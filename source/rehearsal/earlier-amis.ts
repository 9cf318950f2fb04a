import {stockImage} from './aws/seeds';
import type {RecycleBinRuleRecord} from './aws/model';
import type {ImageInput, LaunchConfigurationSeed, LaunchTemplateSeed, LooseInstanceSeed} from './aws/state';

const DEV_ACCOUNT = '111111111111';
const PROD_ACCOUNT = '222222222222';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Tags as the bundled template writes them on a build of the 2016-era rack on Convox 20160820033210. */
function buildTags(account: string, version: string, runId: string): Record<string, string> {
	return {
		Name: `convox-${account}-${version}`,
		Env: account,
		Version: version,
		ConvoxVersion: '20160820033210',
		SourceAmi: stockImage.imageId!,
		ReleaseRun: runId,
	};
}

interface Earlier {
	imageId: string;
	account: 'dev' | 'prod';
	version: string;
	ageDays: number;
	/** Deprecated this many days ago. */
	deprecatedDaysAgo?: number;
	disabled?: boolean;
	launchedDaysAgo?: number;
	protectedImage?: boolean;
	/** Copied by a fleet into eu-west-1 under this id. */
	euCopy?: string;
}

const BUILD_HOST_AMI = 'ami-0e1a2b3c4d5e6f701';
const BASTION_AMI = 'ami-0e1a2b3c4d5e6f702';
const LEGACY_GROUP_AMI = 'ami-0e1a2b3c4d5e6f723';

/**
 * A year of releases, one a month or so, so that `--rehearse images` and `--rehearse prune` show every
 * rule at work: in dev (us-east-1) the newest three, one younger than 30 days, one a launch template
 * names, one a stray instance runs, one protected, one launched after its deprecation, and retired ones
 * at each stage (to deprecate, deprecated in grace, to disable, disabled in grace, to deregister); fleet
 * copies in eu-west-1 (one of an image in use); in prod, three newer, an old one to deprecate and an older
 * one an Auto Scaling group's launch configuration still names.
 * A Recycle Bin rule keeps dev's deregistered AMIs in us-east-1 for a week.
 */
const EARLIER: Earlier[] = [
	{imageId: 'ami-0e1a2b3c4d5e6f710', account: 'dev', version: 'f4a9c21', ageDays: 3},
	{imageId: 'ami-0e1a2b3c4d5e6f711', account: 'dev', version: 'e8b1d07', ageDays: 9},
	{imageId: 'ami-0e1a2b3c4d5e6f712', account: 'dev', version: 'd2c7e55', ageDays: 16},
	{imageId: 'ami-0e1a2b3c4d5e6f713', account: 'dev', version: 'c91f3a8', ageDays: 24},
	{imageId: BASTION_AMI, account: 'dev', version: '8a4f3b1', ageDays: 61, launchedDaysAgo: 52, euCopy: 'ami-0e1a2b3c4d5e6f706'},
	{imageId: BUILD_HOST_AMI, account: 'dev', version: '5d1e0c2', ageDays: 96, launchedDaysAgo: 8},
	{imageId: 'ami-0e1a2b3c4d5e6f714', account: 'dev', version: '4b8e2f0', ageDays: 124, protectedImage: true},
	{imageId: 'ami-0e1a2b3c4d5e6f715', account: 'dev', version: '3e6a1d9', ageDays: 153, deprecatedDaysAgo: 20, launchedDaysAgo: 6},
	{imageId: 'ami-0e1a2b3c4d5e6f703', account: 'dev', version: '1c7d9e4', ageDays: 187, euCopy: 'ami-0e1a2b3c4d5e6f704'},
	{imageId: 'ami-0e1a2b3c4d5e6f716', account: 'dev', version: '0f2b8c6', ageDays: 214, deprecatedDaysAgo: 5},
	{imageId: 'ami-0e1a2b3c4d5e6f717', account: 'dev', version: '9d3c5a2', ageDays: 246, deprecatedDaysAgo: 21},
	{imageId: 'ami-0e1a2b3c4d5e6f718', account: 'dev', version: '8c4d2b7', ageDays: 277, deprecatedDaysAgo: 19, disabled: true},
	{imageId: 'ami-0e1a2b3c4d5e6f719', account: 'dev', version: '7b5e1c3', ageDays: 338, deprecatedDaysAgo: 45, disabled: true},
	{imageId: 'ami-0e1a2b3c4d5e6f720', account: 'prod', version: 'e8b1d07', ageDays: 8},
	{imageId: 'ami-0e1a2b3c4d5e6f721', account: 'prod', version: 'c91f3a8', ageDays: 23},
	{imageId: 'ami-0e1a2b3c4d5e6f722', account: 'prod', version: '8a4f3b1', ageDays: 60},
	{imageId: 'ami-0e1a2b3c4d5e6f705', account: 'prod', version: '1c7d9e4', ageDays: 186},
	{imageId: LEGACY_GROUP_AMI, account: 'prod', version: '2a7c4e9', ageDays: 305},
];

function daysBefore(now: Date, days: number): string {
	return new Date(now.getTime() - days * DAY_MS).toISOString();
}

function images(earlier: Earlier, now: Date): ImageInput[] {
	const runId = `${daysBefore(now, earlier.ageDays).slice(0, 10).replaceAll('-', '')}-101500-${earlier.account}-${earlier.version.slice(0, 4)}`;
	const build: ImageInput = {
		imageId: earlier.imageId,
		name: `convox-${earlier.account}-${earlier.version}`,
		ownerId: earlier.account === 'prod' ? PROD_ACCOUNT : DEV_ACCOUNT,
		region: 'us-east-1',
		creationDate: daysBefore(now, earlier.ageDays),
		encrypted: true,
		tags: buildTags(earlier.account, earlier.version, runId),
		...(earlier.launchedDaysAgo === undefined ? {} : {lastLaunchedTime: daysBefore(now, earlier.launchedDaysAgo)}),
		...(earlier.deprecatedDaysAgo === undefined ? {} : {deprecationTime: daysBefore(now, earlier.deprecatedDaysAgo)}),
		...(earlier.disabled ? {state: 'disabled' as const} : {}),
		...(earlier.protectedImage ? {deregistrationProtection: true} : {}),
	};
	if (!earlier.euCopy) return [build];
	const copy: ImageInput = {
		...build,
		imageId: earlier.euCopy,
		region: 'eu-west-1',
		creationDate: daysBefore(now, earlier.ageDays - 0.02),
		tags: {...build.tags, FleetRun: `fleet-${runId}-all`, SourceAmiId: earlier.imageId, SourceRegion: 'us-east-1'},
	};
	return [build, copy];
}

/** The earlier releases as of `now` (the rehearsal's world is made once, then kept in its state dir). */
export function earlierAmis(now: Date): {
	images: ImageInput[];
	launchTemplates: LaunchTemplateSeed[];
	launchConfigurations: LaunchConfigurationSeed[];
	looseInstances: LooseInstanceSeed[];
	recycleBinRules: RecycleBinRuleRecord[];
} {
	return {
		images: EARLIER.flatMap(earlier => images(earlier, now)),
		launchTemplates: [
			{name: 'convox-dev-build-host', accountId: DEV_ACCOUNT, region: 'us-east-1', imageId: BUILD_HOST_AMI, versionNumber: 3},
		],
		launchConfigurations: [
			{name: 'convox-prod-LaunchConfiguration-1Q2W3E4R5T6Y', accountId: PROD_ACCOUNT, region: 'us-east-1', imageId: LEGACY_GROUP_AMI},
		],
		looseInstances: [{name: 'convox-dev-bastion', imageId: BASTION_AMI}],
		// dev keeps deregistered AMIs a week; prod has no rule, which prune says before a deregistration there.
		recycleBinRules: [
			{accountId: DEV_ACCOUNT, region: 'us-east-1', identifier: 'a1b2c3d4e5f', description: 'AMIs, one week', retentionDays: 7},
		],
	};
}
