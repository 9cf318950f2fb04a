import {realpath, stat} from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';

export interface Git {
	/** The top folder of the repository holding `fileOrFolder`, or undefined outside any repository. */
	repoRoot(fileOrFolder: string): Promise<string | undefined>;
	/** The abbreviated commit id of HEAD, or undefined when the repository has no commit yet. */
	shortSha(repoDir: string): Promise<string | undefined>;
	/** Paths (relative to the repository) with uncommitted changes, untracked files included. */
	dirtyFiles(repoDir: string): Promise<string[]>;
	/** The content of `file` in HEAD, or undefined when HEAD does not hold it. */
	committedContent(repoDir: string, file: string): Promise<string | undefined>;
	/** `file` as a path inside the repository, with `/` separators (symlinks resolved). */
	relativePath(repoDir: string, file: string): Promise<string>;
}

/** Porcelain v1 with -z: `XY path\0`, and for renames and copies `XY new\0old\0`. */
function parsePorcelain(output: string): string[] {
	const fields = output.split('\0');
	const files: string[] = [];
	for (let index = 0; index < fields.length; index++) {
		const entry = fields[index]!;
		if (entry.length < 4) continue;
		files.push(entry.slice(3));
		if (entry[0] === 'R' || entry[0] === 'C') index++;
	}
	return files;
}

export function createGit(binary: string, environment: NodeJS.ProcessEnv = process.env): Git {
	const git = (cwd: string, args: string[]) =>
		execa(binary, args, {
			cwd,
			env: {...environment, LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0'},
			extendEnv: false,
			reject: false,
			stripFinalNewline: false,
			stdin: 'ignore',
		});

	const folderOf = async (fileOrFolder: string) => {
		const info = await stat(fileOrFolder).catch(() => undefined);
		return info?.isDirectory() ? fileOrFolder : path.dirname(fileOrFolder);
	};

	const failure = (args: string[], result: {stderr: unknown; exitCode?: number; shortMessage?: string}) =>
		new Error(String(result.stderr).trim() || result.shortMessage || `git ${args.join(' ')} failed with exit code ${result.exitCode}`);

	const relativeToRepo = async (repoDir: string, file: string) => {
		const absolute = path.resolve(repoDir, file);
		const real = await realpath(absolute).catch(() => absolute);
		return path
			.relative(await realpath(repoDir), real)
			.split(path.sep)
			.join('/');
	};

	const committedContent = async (repoDir: string, file: string) => {
		const args = ['show', `HEAD:${await relativeToRepo(repoDir, file)}`];
		const result = await git(repoDir, args);
		if (result.exitCode === 0) return String(result.stdout);
		if (/does not exist|exists on disk, but not in|invalid object name|bad revision|unknown revision/i.test(String(result.stderr)))
			return undefined;
		throw failure(args, result);
	};

	return {
		relativePath: relativeToRepo,
		committedContent,
		async repoRoot(fileOrFolder) {
			const args = ['rev-parse', '--show-toplevel'];
			const result = await git(await folderOf(fileOrFolder), args);
			if (result.exitCode === 0) return String(result.stdout).trim();
			if (/not a git repository/i.test(String(result.stderr))) return undefined;
			throw failure(args, result);
		},
		async shortSha(repoDir) {
			const args = ['rev-parse', '--short', '--verify', '--quiet', 'HEAD'];
			const result = await git(repoDir, args);
			if (result.exitCode === 0) return String(result.stdout).trim();
			if (result.exitCode === 1) return undefined;
			throw failure(args, result);
		},
		async dirtyFiles(repoDir) {
			const args = ['status', '--porcelain=v1', '-z', '--untracked-files=all'];
			const result = await git(repoDir, args);
			if (result.exitCode !== 0) throw failure(args, result);
			return parsePorcelain(String(result.stdout));
		},
	};
}
