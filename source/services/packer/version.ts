import {atLeast} from './semver';
import {installedPluginsOf, versionOf, type InstalledPlugin} from './version-output';

/** Packer 1.10 stopped bundling builders: from there on every plugin is installed on its own. */
const PLUGINS_UNBUNDLED_IN = '1.10.0';

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

/** Runs `packer ARGS` (also a plugin install or `init`) and returns its exit code and output. */
export async function runPackerCommand(
	binary: string,
	args: string[],
	environment: NodeJS.ProcessEnv,
	signal: AbortSignal,
): Promise<PackerCommandResult> {
	const {execa} = await import('execa');
	const result = await execa(binary, args, {
		env: {...environment, CHECKPOINT_DISABLE: '1'},
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
export async function packerAtHand(binary: string, environment: NodeJS.ProcessEnv, signal: AbortSignal): Promise<PackerAtHand> {
	const answer = await runPackerCommand(binary, ['-machine-readable', 'version'], environment, signal);
	const version = answer.exitCode === 0 ? versionOf(answer.output) : undefined;
	if (!version)
		throw new Error(
			`\`${binary} -machine-readable version\` did not name a version (exit ${answer.exitCode}): ${answer.output.trim().slice(0, 300)}`,
		);
	if (!atLeast(version, PLUGINS_UNBUNDLED_IN)) return {binary, version};
	const listed = await runPackerCommand(binary, ['plugins', 'installed'], environment, signal);
	if (listed.exitCode !== 0)
		throw new Error(`\`${binary} plugins installed\` failed (exit ${listed.exitCode}): ${listed.output.trim().slice(0, 300)}`);
	return {binary, version, plugins: installedPluginsOf(listed.output)};
}
