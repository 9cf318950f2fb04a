import {CHECK_SECRETS, CI_TOKEN_ENV_NAME} from '../../core/secrets';
import type {CredentialsEndpointAddress} from './credentials-endpoint';

/** Long-lived keys of the account (no expiration), handed to Packer as they are. */
interface PackerKeys {
	accessKeyId: string;
	secretAccessKey: string;
	sessionToken?: string;
}

/**
 * The credentials Packer signs with: those the AWS SDK resolved for the account STS checked, as
 * keys, or (temporary ones) through the loopback endpoint that serves them refreshed.
 */
export type PackerAws = {region: string} & (PackerKeys | {endpoint: CredentialsEndpointAddress});

function credentialsEnvironment(aws: PackerAws): Record<string, string> {
	if ('endpoint' in aws)
		return {AWS_CONTAINER_CREDENTIALS_FULL_URI: aws.endpoint.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: aws.endpoint.token};
	return {
		AWS_ACCESS_KEY_ID: aws.accessKeyId,
		AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
		...(aws.sessionToken ? {AWS_SESSION_TOKEN: aws.sessionToken} : {}),
	};
}

/**
 * Everything that could make Packer's AWS SDK (aws-sdk-go v1) pick other credentials than the
 * ones handed to it: a profile, ambient keys, web identity, container or process credentials.
 */
const AMBIENT_AWS =
	/^AWS_(PROFILE|DEFAULT_PROFILE|ACCESS_KEY(_ID)?|SECRET_(ACCESS_)?KEY|SESSION_TOKEN|SECURITY_TOKEN|CREDENTIAL_EXPIRATION|WEB_IDENTITY_TOKEN_FILE|ROLE_ARN|ROLE_SESSION_NAME|CONTAINER_.*|SDK_LOAD_CONFIG|SHARED_CREDENTIALS_FILE|CONFIG_FILE|REGION|DEFAULT_REGION)$/;

/** The checks' credentials and the CI job's token: the build has no use for them. */
const NOT_FOR_PACKER = new Set<string>([...CHECK_SECRETS.map(secret => secret.envName), CI_TOKEN_ENV_NAME]);

/**
 * Packer's environment: the services' one without any ambient AWS credential or profile, the
 * account's resolved keys (or the endpoint serving them) and the run's region (the checks' credentials and the CI token left out), and each secret under its environment name (for
 * templates whose variables default to `{{env ...}}`). The shared files point at /dev/null, so a
 * `[default]` profile of another account can never be fallen back on. Endpoints stay (the
 * rehearsal and the tests point them at stand-ins).
 */
export function packerEnvironment(environment: NodeJS.ProcessEnv, aws: PackerAws, secrets: Record<string, string>): Record<string, string> {
	const kept = Object.entries(environment).filter(
		(entry): entry is [string, string] => entry[1] !== undefined && !AMBIENT_AWS.test(entry[0]) && !NOT_FOR_PACKER.has(entry[0]),
	);
	return {
		...Object.fromEntries(kept),
		...secrets,
		...credentialsEnvironment(aws),
		AWS_REGION: aws.region,
		AWS_DEFAULT_REGION: aws.region,
		AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
		AWS_CONFIG_FILE: '/dev/null',
		CHECKPOINT_DISABLE: '1',
	};
}
