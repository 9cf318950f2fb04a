/** A secret the AMI is built with: the Packer variable, the environment variable it comes from, what it is. */
export interface BuildSecret {
	variable: string;
	envName: string;
	label: string;
}

/** The one list of the build's secrets: the build, the scrubbers, the rehearsal, `plan` and the shipped template follow it. */
export const BUILD_SECRETS = [
	{variable: 'librato_email', envName: 'LIBRATO_EMAIL', label: 'Librato account email'},
	{variable: 'librato_token', envName: 'LIBRATO_TOKEN', label: 'Librato API token'},
	{variable: 'logspout_token', envName: 'LOGSPOUT_TOKEN', label: 'logspout route token (SumoLogic)'},
] as const satisfies readonly BuildSecret[];

export type BuildSecretVariable = (typeof BUILD_SECRETS)[number]['variable'];
export type BuildSecretEnvName = (typeof BUILD_SECRETS)[number]['envName'];

/** The AWS credentials Packer signs with, by the names its environment carries them under. */
const AWS_CREDENTIAL_ENV_NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/** Environment variables whose values no event, file or log may carry: both the run's scrubber and Packer's are built from it. */
export const SECRET_ENV_NAMES: readonly string[] = [...BUILD_SECRETS.map(secret => secret.envName), ...AWS_CREDENTIAL_ENV_NAMES];
