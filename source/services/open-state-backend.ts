import {sharedStateLocation, type StateRequest} from '../config/shared-state';
import type {SharedBackend} from '../core/state-backend';
import type {RehearsalStateStandIn, StateLocation} from '../core/state-location';
import {createS3State} from './s3-state';

/**
 * Opens the S3 state named by `--state` or the config (the caller pulls it into the state dir once
 * that is locked); undefined when the state is the local folder alone. Under --rehearse the bucket is
 * the loopback stand-in's that `standIn` starts.
 */
export async function openStateBackend(
	request: StateRequest,
	standIn: (location: StateLocation) => Promise<RehearsalStateStandIn>,
): Promise<SharedBackend | undefined> {
	const location = await sharedStateLocation(request);
	if (!location) return undefined;
	if (request.rehearse) {
		const {endpoint, credentials, worldDir, close} = await standIn(location);
		return {backend: await createS3State({location, endpoint, credentials}), rehearsalWorld: worldDir, close};
	}
	const backend = await createS3State({location});
	const advice = await backend.advice();
	return {backend, ...(advice ? {advice} : {}), close: async () => undefined};
}
