import {readFile} from 'node:fs/promises';
import path from 'node:path';
import type {z} from 'zod';
import {UsageError, errorText} from '../core/errors';
import {configPathOf, NO_CONFIG_HINT} from './config-file';
import {configSchema, type Config} from './schema';

export interface LoadedConfig {
	config: Config;
	path: string;
	dir: string;
}

/** `fleets.all.waves[2][0]`: keys joined by dots, array indexes in brackets. */
function formatPath(path: PropertyKey[]): string {
	return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index > 0 ? '.' : ''}${String(key)}`)).join('');
}

function formatIssues(issues: z.core.$ZodIssue[]): string[] {
	return issues.map(issue => {
		const where = issue.path.length > 0 ? formatPath(issue.path) : '(top level)';
		if (issue.code === 'unrecognized_keys')
			return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(key => `"${key}"`).join(', ')}`;
		return `${where}: ${issue.message}`;
	});
}

export function parseConfig(raw: unknown, source: string): Config {
	const result = configSchema.safeParse(raw);
	if (result.success) return result.data;
	const problems = formatIssues(result.error.issues);
	throw new UsageError(
		`The config ${source} is not valid:\n${problems.map(problem => `  - ${problem}`).join('\n')}`,
		'Fix these entries; docs/configuration.md lists every key.',
	);
}

export async function loadConfig(file: string | undefined, cwd = process.cwd()): Promise<LoadedConfig> {
	const configPath = configPathOf(file, cwd);
	let text: string;
	try {
		text = await readFile(configPath, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			throw new UsageError(`No config at ${configPath}.`, file ? 'Check the --config path.' : NO_CONFIG_HINT);
		}
		throw new UsageError(`Cannot read the config ${configPath}: ${errorText(error)}`);
	}
	let raw: unknown;
	try {
		raw = JSON.parse(text);
	} catch (error) {
		throw new UsageError(`The config ${configPath} is not valid JSON: ${errorText(error)}`);
	}
	return {config: parseConfig(raw, configPath), path: configPath, dir: path.dirname(configPath)};
}
