import type {BuildSecretEnvName} from '../../source/core/secrets';

/** The build secrets of the test worlds: dummies, long enough that scrubbing them never masks ordinary words. */
export const DUMMY_BUILD_SECRETS: Readonly<Record<BuildSecretEnvName, string>> = {
	LIBRATO_EMAIL: 'ops@example.com',
	LIBRATO_TOKEN: 'librato-e2e-token',
	LOGSPOUT_TOKEN: 'logspout-e2e-token',
};

/**
 * Build secrets marked for a leak scan: each holds `s3cret` and the test's own tag (a leak found is
 * traced to its test), and the token a comma, which Packer writes back as `%!(PACKER_COMMA)`.
 */
export function leakScanSecrets(tag: string): {secrets: Readonly<Record<BuildSecretEnvName, string>>; needles: string[]} {
	const secrets = {
		LIBRATO_EMAIL: `${tag}-s3cret-mail@ops.example`,
		LIBRATO_TOKEN: `${tag}-s3cret-token,Vb81`,
		LOGSPOUT_TOKEN: `${tag}-s3cret-logspout`,
	};
	return {secrets, needles: [...Object.values(secrets), secrets.LIBRATO_TOKEN.replaceAll(',', '%!(PACKER_COMMA)'), 's3cret']};
}
