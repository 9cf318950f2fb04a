import os from 'node:os';
import path from 'node:path';
import {StateMirror} from '../workflow/state-mirror';
import type {CommandInput} from '../core/command-input';

const REHEARSAL_KEY = {accessKeyId: 'AKIAREHEARSALSTATE00', secretAccessKey: 'rehearsal-state-secret-key'};

/** The shared state of this command: the bucket mirrored into the state dir, and what to tell the operator about it. */
export interface SharedState {
	mirror: StateMirror;
	/** Under --rehearse: the folder of the rehearsal's world (its S3 objects and its AWS), shared by every folder that names it. */
	rehearsalWorld?: string;
	/** Versioning off, say: shown once as a notice. */
	advice?: string;
	close(): Promise<void>;
}

/** Where a rehearsal keeps a world that two folders (two "machines") share: CONVOX_AMI_REHEARSAL_WORLD, else one folder in the temp dir. */
function rehearsalWorldDir(env: NodeJS.ProcessEnv): string {
	return path.resolve(env.CONVOX_AMI_REHEARSAL_WORLD ?? path.join(os.tmpdir(), 'convox-ami-rehearsal-world'));
}

/**
 * Opens the S3 state named by `--state` or the config (the caller pulls it into the state dir once
 * that is locked); undefined when the state is the local folder alone. Under --rehearse the bucket is
 * the loopback S3 stand-in's.
 */
export async function openSharedState(input: CommandInput): Promise<SharedState | undefined> {
	const location = await (
		await import('../config/shared-state')
	).sharedStateLocation({state: input.state, configPath: input.configPath, region: input.flags.region, rehearse: input.flags.rehearse});
	if (!location) return undefined;
	const {createS3State} = await import('../services/s3-state');
	if (input.flags.rehearse) {
		const world = rehearsalWorldDir(process.env);
		const {startS3StandIn} = await import('../rehearsal/s3-stand-in');
		const standIn = await startS3StandIn({
			dir: path.join(world, 's3'),
			buckets: [location.bucket],
			versioning: {[location.bucket]: 'Enabled'},
		});
		const backend = await createS3State({location, endpoint: standIn.url, credentials: REHEARSAL_KEY});
		return {mirror: new StateMirror(backend, input.stateDir), rehearsalWorld: world, close: () => standIn.close()};
	}
	const backend = await createS3State({location});
	const advice = await backend.advice();
	const mirror = new StateMirror(backend, input.stateDir);
	return {mirror, ...(advice ? {advice} : {}), close: async () => undefined};
}
