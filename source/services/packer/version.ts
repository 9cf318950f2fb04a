import path from 'node:path';
import {parseRecord} from './machine-readable';
import {atLeast} from './semver';

/** Packer 1.10 stopped bundling builders: from there on every plugin is installed on its own. */
const PLUGINS_UNBUNDLED_IN = '1.10.0';

export interface InstalledPlugin {
	/** `github.com/hashicorp/amazon` */
	source: string;
	/** `1.3.9`; undefined for a binary named otherwise. */
	version?: string;
	binaryPath: string;
}

export interface PackerAtHand {
	binary: string;
	version: string;
	/** The installed plugins, listed for a Packer that bundles none (1.10 and later); undefined before. */
	plugins?: InstalledPlugin[];
}

export interface PackerCommandResult {
	exitCode: number;
	output: string;
}

/** The `version` line of `packer -machine-readable version` (`1796613000,,version,1.6.6`). */
export function versionOf(machineReadable: string): string | undefined {
	for (const line of machineReadable.split('\n')) {
		const record = parseRecord(line.trim());
		if (record?.type === 'version' && record.data[0]) return record.data[0].replace(/^v/, '');
	}
	return undefined;
}

const PLUGIN_BINARY = /^packer-plugin-[^_]+_v(\d+\.\d+\.\d+[^_]*)_x\d+\.\d+_/;

/**
 * `packer plugins installed` prints one binary per line, under the plugin folder as
 * `HOST/NAMESPACE/NAME/packer-plugin-NAME_vX.Y.Z_xA.B_OS_ARCH`: the source is the binary's last
 * three folders.
 */
export function installedPluginsOf(output: string): InstalledPlugin[] {
	return output.split('\n').flatMap(line => {
		const binaryPath = line.trim();
		const folders = path.dirname(binaryPath).split(/[\\/]/).filter(Boolean);
		if (!binaryPath.startsWith('/') && !/^[A-Za-z]:\\/.test(binaryPath)) return [];
		if (folders.length < 3) return [];
		const version = PLUGIN_BINARY.exec(path.basename(binaryPath))?.[1];
		return [{source: folders.slice(-3).join('/'), ...(version ? {version} : {}), binaryPath}];
	});
}

/** Runs `packer ARGS` (also a plugin install or `init`) and returns its exit code and output. */
export async function runPackerCommand(
	binary: string,
	args: string[],
	env: NodeJS.ProcessEnv,
	signal: AbortSignal,
): Promise<PackerCommandResult> {
	const {execa} = await import('execa');
	const result = await execa(binary, args, {
		env: {...env, CHECKPOINT_DISABLE: '1'},
		extendEnv: false,
		reject: false,
		all: true,
		stdin: 'ignore',
		cancelSignal: signal,
	});
	if (result.failed && result.exitCode === undefined) throw new Error(result.shortMessage);
	return {exitCode: result.exitCode ?? 1, output: String(result.all ?? '')};
}

/** Which Packer `binary` is, and for 1.10 and later which plugins it has. Throws when it cannot tell. */
export async function packerAtHand(binary: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<PackerAtHand> {
	const answer = await runPackerCommand(binary, ['-machine-readable', 'version'], env, signal);
	const version = answer.exitCode === 0 ? versionOf(answer.output) : undefined;
	if (!version)
		throw new Error(
			`\`${binary} -machine-readable version\` did not name a version (exit ${answer.exitCode}): ${answer.output.trim().slice(0, 300)}`,
		);
	if (!atLeast(version, PLUGINS_UNBUNDLED_IN)) return {binary, version};
	const listed = await runPackerCommand(binary, ['plugins', 'installed'], env, signal);
	if (listed.exitCode !== 0)
		throw new Error(`\`${binary} plugins installed\` failed (exit ${listed.exitCode}): ${listed.output.trim().slice(0, 300)}`);
	return {binary, version, plugins: installedPluginsOf(listed.output)};
}
