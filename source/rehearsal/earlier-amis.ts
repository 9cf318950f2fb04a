import {stockImage} from './aws/seeds';
import type {ImageInput, LaunchTemplateSeed, LooseInstanceSeed} from './aws/state';

const DEV_ACCOUNT = '111111111111';
const PROD_ACCOUNT = '222222222222';

/** Tags as the bundled template writes them on a build of the 2016-era rack on Convox 20160820033210. */
function buildTags(env: string, version: string, runId: string): Record<string, string> {
	return {
		Name: `convox-${env}-${version}`,
		Env: env,
		Version: version,
		ConvoxVersion: '20160820033210',
		SourceAmi: stockImage.imageId!,
		ReleaseRun: runId,
	};
}

function build(imageId: string, env: string, version: string, runId: string, creationDate: string): ImageInput {
	return {
		imageId,
		name: `convox-${env}-${version}`,
		ownerId: env === 'prod' ? PROD_ACCOUNT : DEV_ACCOUNT,
		region: 'us-east-1',
		creationDate,
		encrypted: true,
		tags: buildTags(env, version, runId),
	};
}

const BUILD_HOST_AMI = 'ami-0e1a2b3c4d5e6f701';
const BASTION_AMI = 'ami-0e1a2b3c4d5e6f702';

/**
 * AMIs of earlier releases, so that `convox-ami --rehearse images` has something to show: in dev, one
 * a launch template names, one a stray instance runs, one unused and its fleet copy in eu-west-1;
 * one unused in prod. The racks' stacks and the journal add the other uses once a rehearsal released.
 */
export const earlierAmis: {images: ImageInput[]; launchTemplates: LaunchTemplateSeed[]; looseInstances: LooseInstanceSeed[]} = {
	images: [
		{
			...build(BUILD_HOST_AMI, 'dev', '5d1e0c2', '20260901-090412-dev-k2x9', '2026-09-01T09:31:07.000Z'),
			lastLaunchedTime: '2026-11-28T00:00:00Z',
		},
		{
			...build(BASTION_AMI, 'dev', '8a4f3b1', '20261006-141055-dev-p0qz', '2026-10-06T14:38:52.000Z'),
			lastLaunchedTime: '2026-10-15T00:00:00Z',
		},
		build('ami-0e1a2b3c4d5e6f703', 'dev', '1c7d9e4', '20260602-101500-dev-a7m3', '2026-06-02T10:42:19.000Z'),
		{
			...build('ami-0e1a2b3c4d5e6f704', 'dev', '1c7d9e4', '20260602-101500-dev-a7m3', '2026-06-02T11:05:44.000Z'),
			region: 'eu-west-1',
			tags: {
				...buildTags('dev', '1c7d9e4', '20260602-101500-dev-a7m3'),
				FleetRun: 'fleet-20260602-101458-all-b3c8',
				SourceAmiId: 'ami-0e1a2b3c4d5e6f703',
				SourceRegion: 'us-east-1',
			},
		},
		build('ami-0e1a2b3c4d5e6f705', 'prod', '1c7d9e4', '20260603-083012-prod-x1d4', '2026-06-03T08:57:30.000Z'),
	],
	launchTemplates: [
		{name: 'convox-dev-build-host', accountId: DEV_ACCOUNT, region: 'us-east-1', imageId: BUILD_HOST_AMI, versionNumber: 3},
	],
	looseInstances: [{name: 'convox-dev-bastion', imageId: BASTION_AMI}],
};
