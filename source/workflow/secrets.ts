/** A secret the AMI is built with: read from the environment (or a masked prompt), given to Packer as a variable. */
export interface Secret {
	envName: string;
	variable: string;
	label: string;
}

export const SECRETS: readonly Secret[] = [
	{envName: 'LIBRATO_EMAIL', variable: 'librato_email', label: 'Librato account email'},
	{envName: 'LIBRATO_TOKEN', variable: 'librato_token', label: 'Librato API token'},
	{envName: 'LOGSPOUT_TOKEN', variable: 'logspout_token', label: 'logspout route token (SumoLogic)'},
];
