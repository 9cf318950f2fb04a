import type {BuildSecretEnvName} from '../../source/core/secrets';

/** The build secrets of the test worlds: dummies, long enough that scrubbing them never masks ordinary words. */
export const DUMMY_BUILD_SECRETS: Readonly<Record<BuildSecretEnvName, string>> = {
	LIBRATO_EMAIL: 'ops@example.com',
	LIBRATO_TOKEN: 'librato-e2e-token',
	LOGSPOUT_TOKEN: 'logspout-e2e-token',
};
