import {UsageError} from './errors';

/** Where the state is kept in S3: `--state s3://BUCKET/PREFIX` or the config's `state.s3`. */
export interface StateLocation {
	bucket: string;
	/** Without a leading or trailing slash; may be empty. */
	prefix: string;
	region: string;
	profile?: string;
	kmsKeyId?: string;
}

/**
 * What a child process (the Packer keeper) needs to write to the same state: the location, and under
 * --rehearse the loopback stand-in with its fake key. Live credentials are never in it: the child
 * resolves its own from the location's profile.
 */
export interface StateHandOff {
	location: StateLocation;
	endpoint?: string;
	credentials?: {accessKeyId: string; secretAccessKey: string};
}

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The bucket and prefix of an `s3://BUCKET/PREFIX` URL; a clear refusal for anything else. */
export function parseStateUrl(url: string): {bucket: string; prefix: string} {
	const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
	if (!match || !BUCKET_PATTERN.test(match[1]!))
		throw new UsageError(`--state ${url} is not an S3 location.`, 'Pass --state s3://BUCKET/PREFIX (the prefix may be empty).');
	return {bucket: match[1]!, prefix: match[2]!.replace(/\/+$/, '')};
}

/** The loopback S3 stand-in a rehearsal starts for a shared state: where it answers, its fake key, the folder of its world. */
export interface RehearsalStateStandIn extends Required<Pick<StateHandOff, 'endpoint' | 'credentials'>> {
	/** The folder of the rehearsal's world (its S3 objects and its AWS), shared by every state dir that names it. */
	worldDir: string;
	close(): Promise<void>;
}
