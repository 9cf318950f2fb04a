import type {SecretEnvName} from '../core/secrets';
import type {AccountConfig, Config} from './schema';

/** A secret kept in AWS: an SSM SecureString parameter, or a Secrets Manager secret (one key of it when it holds JSON). */
export type SecretReference = {store: 'ssm'; name: string} | {store: 'secretsmanager'; name: string; key?: string};

function parseSecretReference(text: string): SecretReference {
	if (text.startsWith('ssm:')) return {store: 'ssm', name: text.slice('ssm:'.length)};
	const [name = '', key] = text.slice('secretsmanager:'.length).split('#');
	return {store: 'secretsmanager', name, ...(key ? {key} : {})};
}

/** The account's `secrets`, over the config's top-level ones. */
export function secretReferencesOf(
	config: Pick<Config, 'secrets'>,
	account: Pick<AccountConfig, 'secrets'>,
): Map<SecretEnvName, SecretReference> {
	const merged = {...config.secrets, ...account.secrets};
	return new Map(
		Object.entries(merged).flatMap(([envName, text]) => (text ? [[envName as SecretEnvName, parseSecretReference(text)] as const] : [])),
	);
}
