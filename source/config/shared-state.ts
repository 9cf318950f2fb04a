import {existsSync} from 'node:fs';
import path from 'node:path';
import {parseStateUrl, type StateLocation} from '../core/state-location';

/** Where a command's state is asked for: `--state`, the config, the region, and whether it rehearses. */
export interface StateRequest {
	state?: string | undefined;
	configPath?: string | undefined;
	region?: string | undefined;
	rehearse: boolean;
}

/**
 * Where the shared state (S3) of a command is: `--state s3://…` wins; else the config's `state.s3`,
 * read only when a config is there to read (never under --rehearse). Undefined for a local state dir alone.
 */
export async function sharedStateLocation({state, configPath, region, rehearse}: StateRequest): Promise<StateLocation | undefined> {
	if (state) return {...parseStateUrl(state), region: region ?? process.env.AWS_REGION ?? 'us-east-1'};
	if (rehearse || (!configPath && !existsSync(path.resolve('convox-ami.config.json')))) return undefined;
	const {config} = await (await import('./load-config')).loadConfig(configPath);
	const s3 = config.state?.s3;
	if (!s3) return undefined;
	return {
		bucket: s3.bucket,
		prefix: s3.prefix.replace(/^\/+|\/+$/g, ''),
		region: s3.region ?? config.region,
		...(s3.profile ? {profile: s3.profile} : {}),
		...(s3.kmsKeyId ? {kmsKeyId: s3.kmsKeyId} : {}),
	};
}
