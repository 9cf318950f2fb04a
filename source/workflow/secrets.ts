/** A secret the AMI is built with: the Packer variable, the environment variable it comes from, what it is. */
export interface BuildSecret {
	variable: string;
	envName: string;
	label: string;
}

export const BUILD_SECRETS: readonly BuildSecret[] = [
	{variable: 'librato_email', envName: 'LIBRATO_EMAIL', label: 'Librato account email'},
	{variable: 'librato_token', envName: 'LIBRATO_TOKEN', label: 'Librato API token'},
	{variable: 'logspout_token', envName: 'LOGSPOUT_TOKEN', label: 'logspout route token (SumoLogic)'},
];

/** Environment variables whose values no event, file or log may carry. */
export const SECRET_ENV_NAMES: readonly string[] = [...BUILD_SECRETS.map(secret => secret.envName), 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
