import type {SecretEnvName} from '../core/secrets';
import {SUMOLOGIC_STAND_IN_ACCESS_ID, SUMOLOGIC_STAND_IN_ACCESS_KEY} from './sumologic-stand-in';

/** A fake value for each of the run's secrets: the rehearsal's, and the step tests' by default. */
export const REHEARSAL_SECRETS: Readonly<Record<SecretEnvName, string>> = {
	LIBRATO_EMAIL: 'rehearsal@example.com',
	LIBRATO_TOKEN: 'rehearsal-librato-token',
	LOGSPOUT_TOKEN: 'rehearsal-logspout-token',
	SUMOLOGIC_ACCESS_ID: SUMOLOGIC_STAND_IN_ACCESS_ID,
	SUMOLOGIC_ACCESS_KEY: SUMOLOGIC_STAND_IN_ACCESS_KEY,
};
