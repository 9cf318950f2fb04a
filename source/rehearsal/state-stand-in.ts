import os from 'node:os';
import path from 'node:path';
import type {RehearsalStateStandIn, StateLocation} from '../core/state-location';
import {startS3StandIn} from './s3-stand-in';

const REHEARSAL_KEY = {accessKeyId: 'AKIAREHEARSALSTATE00', secretAccessKey: 'rehearsal-state-secret-key'};

/** Where a rehearsal keeps a world that two folders (two "machines") share: CONVOX_AMI_REHEARSAL_WORLD, else one folder in the temp dir. */
function rehearsalWorldDir(environment: NodeJS.ProcessEnv): string {
	return path.resolve(environment.CONVOX_AMI_REHEARSAL_WORLD ?? path.join(os.tmpdir(), 'convox-ami-rehearsal-world'));
}

/** The S3 stand-in of a rehearsal's shared state: the bucket of `location`, versioned, its objects in the world's folder. */
export async function startStateStandIn(location: StateLocation, environment: NodeJS.ProcessEnv): Promise<RehearsalStateStandIn> {
	const worldDir = rehearsalWorldDir(environment);
	const standIn = await startS3StandIn({
		dir: path.join(worldDir, 's3'),
		buckets: [location.bucket],
		versioning: {[location.bucket]: 'Enabled'},
	});
	return {endpoint: standIn.url, credentials: REHEARSAL_KEY, worldDir, close: () => standIn.close()};
}
