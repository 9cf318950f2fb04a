import type {StateBackend} from '../../source/core/state-backend';
import {startS3StandIn, type S3StandIn} from '../../source/rehearsal/s3-stand-in';
import {createS3State} from '../../source/services/s3-state';

/** A shared state on the loopback S3 stand-in, and the backend the real SDK reaches it through. */
export interface TeamState {
	standIn: S3StandIn;
	backend: StateBackend;
}

/** The shared state of the suites that need one: the versioned bucket `team-state` (its objects under `dir`), prefix `convox`. */
export async function teamState(dir: string): Promise<TeamState> {
	const standIn = await startS3StandIn({dir, buckets: ['team-state'], versioning: {'team-state': 'Enabled'}});
	const backend = await createS3State({
		location: {bucket: 'team-state', prefix: 'convox', region: 'us-east-1'},
		endpoint: standIn.url,
		credentials: {accessKeyId: 'AKIATESTSTATE0000001', secretAccessKey: 'test-state-secret'},
	});
	return {standIn, backend};
}
