import type {MetricsBackend} from '../config/observability';
import type {Prompter} from './prompter';

/** A secret the run may need: the environment variable it comes from, what it is. */
export interface SecretDeclaration {
	envName: string;
	label: string;
}

/** A secret the AMI is built with, and the Packer variable that receives it. */
export interface BuildSecret extends SecretDeclaration {
	variable: string;
	/** Needed only by this metrics backend (unless the template requires its variable); without it, by every build. */
	onlyFor?: MetricsBackend;
}

/** The one list of the build's secrets: the build, the scrubbers, the rehearsal, `plan` and the shipped template follow it. */
export const BUILD_SECRETS = [
	{variable: 'librato_email', envName: 'LIBRATO_EMAIL', label: 'Librato account email', onlyFor: 'librato'},
	{variable: 'librato_token', envName: 'LIBRATO_TOKEN', label: 'Librato API token', onlyFor: 'librato'},
	{variable: 'logspout_token', envName: 'LOGSPOUT_TOKEN', label: 'logspout route token (SumoLogic)'},
] as const satisfies readonly BuildSecret[];

/** Credentials of the checks: never given to Packer, only to the probe that needs them. */
export const CHECK_SECRETS = [
	{envName: 'SUMOLOGIC_ACCESS_ID', label: 'SumoLogic access id'},
	{envName: 'SUMOLOGIC_ACCESS_KEY', label: 'SumoLogic access key'},
] as const satisfies readonly SecretDeclaration[];

export type BuildSecretVariable = (typeof BUILD_SECRETS)[number]['variable'];
export type BuildSecretEnvName = (typeof BUILD_SECRETS)[number]['envName'];
export type SecretEnvName = BuildSecretEnvName | (typeof CHECK_SECRETS)[number]['envName'];

export const SECRETS: readonly SecretDeclaration[] = [...BUILD_SECRETS, ...CHECK_SECRETS];

/** The AWS credentials Packer signs with (or the token it fetches them with), by the names its environment carries them under. */
const AWS_CREDENTIAL_ENV_NAMES = [
	'AWS_ACCESS_KEY_ID',
	'AWS_SECRET_ACCESS_KEY',
	'AWS_SESSION_TOKEN',
	'AWS_CONTAINER_AUTHORIZATION_TOKEN',
] as const;

/** The CI job's token (GitHub Actions), read for the reviewers of an approval: never given to Packer. */
export const CI_TOKEN_ENV_NAME = 'GITHUB_TOKEN';

/** Environment variables whose values no event, file or log may carry: both the run's scrubber and Packer's are built from it. */
export const SECRET_ENV_NAMES: readonly string[] = [
	...SECRETS.map(secret => secret.envName),
	...AWS_CREDENTIAL_ENV_NAMES,
	CI_TOKEN_ENV_NAME,
];

/** Is this build secret needed by a build whose metrics go to `backend`? */
export function buildNeeds(secret: BuildSecret, backend: MetricsBackend): boolean {
	return secret.onlyFor === undefined || secret.onlyFor === backend;
}

/**
 * The run's secrets, obtained once: from the environment, else read from AWS (the config's `secrets`),
 * else typed at a masked prompt; held in memory only. The only
 * source of every scrubber and of every check that needs a credential, so a value typed at the
 * build's prompt is masked everywhere and used by the checks.
 */
export interface RunSecrets {
	/** The value known now (the environment, typed or read from AWS earlier), or undefined. */
	get(envName: SecretEnvName): string | undefined;
	/** The value known, else read once from AWS when the config names where it is kept (`secrets`), else undefined. */
	resolve(envName: SecretEnvName): Promise<string | undefined>;
	/** The value resolved, else asked once with a masked prompt. */
	obtain(envName: SecretEnvName, prompt: Prompter): Promise<string>;
	/** Replaces every value known so far, those typed later included, by `***`. */
	scrub(text: string): string;
}
