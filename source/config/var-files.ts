import path from 'node:path';
import type {AccountConfig, Config} from './schema';

/** An account's Packer var files: those for all accounts, then the account's own, resolved from the config's folder. */
export function varFilePaths(config: Pick<Config, 'varFiles'>, account: Pick<AccountConfig, 'varFiles'>, configDir: string): string[] {
	return [...(config.varFiles ?? []), ...(account.varFiles ?? [])].map(file => path.resolve(configDir, file));
}
