import path from 'node:path';

const DEFAULT_CONFIG_FILE = 'convox-ami.config.json';

/** The config file a run reads: `--config`, else convox-ami.config.json, from `cwd`. */
export function configPathOf(file: string | undefined, cwd = process.cwd()): string {
	return path.resolve(cwd, file ?? DEFAULT_CONFIG_FILE);
}

/** Told when no config is found at the default path. */
export const NO_CONFIG_HINT = `Create ${DEFAULT_CONFIG_FILE} here (start from convox-ami.config.sample.json), pass --config PATH, or try --rehearse.`;
