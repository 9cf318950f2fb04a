import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {createGit} from '../../source/services/git';

const git = createGit('git');
let folder: string;

const run = (...args: string[]) =>
	execa('git', args, {
		cwd: folder,
		env: {
			GIT_AUTHOR_NAME: 'Test',
			GIT_AUTHOR_EMAIL: 'test@example.com',
			GIT_COMMITTER_NAME: 'Test',
			GIT_COMMITTER_EMAIL: 'test@example.com',
			GIT_CONFIG_NOSYSTEM: '1',
			HOME: folder,
		},
	});

beforeEach(async () => {
	folder = await mkdtemp(path.join(tmpdir(), 'convox-ami-git-'));
	await run('init', '--quiet', '--initial-branch=main');
});

afterEach(async () => {
	await rm(folder, {recursive: true, force: true});
});

async function commitFile(file: string, content: string) {
	await mkdir(path.dirname(path.join(folder, file)), {recursive: true});
	await writeFile(path.join(folder, file), content);
	await run('add', file);
	await run('commit', '--quiet', '-m', `add ${file}`);
}

describe('git service', () => {
	it('finds the repository root from a file or a folder inside it, and nothing outside any repository', async () => {
		await commitFile('packer/packer.json', '{}\n');
		const root = (await run('rev-parse', '--show-toplevel')).stdout;
		expect(await git.repoRoot(path.join(folder, 'packer', 'packer.json'))).toBe(root);
		expect(await git.repoRoot(path.join(folder, 'packer'))).toBe(root);
		const outside = await mkdtemp(path.join(tmpdir(), 'convox-ami-nogit-'));
		try {
			expect(await git.repoRoot(outside)).toBeUndefined();
		} finally {
			await rm(outside, {recursive: true, force: true});
		}
	});

	it('gives the short SHA of HEAD, and undefined before the first commit', async () => {
		expect(await git.shortSha(folder)).toBeUndefined();
		await commitFile('a.txt', 'a\n');
		const expected = (await run('rev-parse', '--short', 'HEAD')).stdout;
		expect(await git.shortSha(folder)).toBe(expected);
		expect(expected).toMatch(/^[0-9a-f]{7,}$/);
	});

	it('lists modified, staged, untracked (in subfolders too) and renamed files (not their old names), and none when clean', async () => {
		await commitFile('a.txt', 'a\n');
		await commitFile('old name.txt', 'old\n');
		await commitFile('c.txt', 'c\n');
		expect(await git.dirtyFiles(folder)).toEqual([]);

		await writeFile(path.join(folder, 'a.txt'), 'changed\n');
		await mkdir(path.join(folder, 'new', 'deep'), {recursive: true});
		await writeFile(path.join(folder, 'new', 'deep', 'b.txt'), 'b\n');
		await run('mv', 'old name.txt', 'new name.txt');
		await writeFile(path.join(folder, 'c.txt'), 'staged\n');
		await run('add', 'c.txt');

		expect((await git.dirtyFiles(path.join(folder))).sort()).toEqual(['a.txt', 'c.txt', 'new name.txt', 'new/deep/b.txt']);
	});

	it('tells whether HEAD holds a file with given content', async () => {
		await commitFile('packer/packer.json', '{"variables": {"source_ami": "ami-1"}}\n');
		const file = path.join(folder, 'packer', 'packer.json');
		expect(await git.committedContent(folder, file)).toBe('{"variables": {"source_ami": "ami-1"}}\n');
		expect(await git.committedContent(folder, 'packer/packer.json')).toBe('{"variables": {"source_ami": "ami-1"}}\n');

		await writeFile(file, '{"variables": {"source_ami": "ami-2"}}\n');
		expect(await git.committedContent(folder, file)).not.toBe('{"variables": {"source_ami": "ami-2"}}\n');
		expect(await git.committedContent(folder, file)).toBe('{"variables": {"source_ami": "ami-1"}}\n');

		await writeFile(path.join(folder, 'untracked.json'), '{}');
		expect(await git.committedContent(folder, path.join(folder, 'untracked.json'))).toBeUndefined();
	});

	it('reports a git that cannot run instead of taking it for "no repository"', async () => {
		await expect(createGit(path.join(folder, 'no-such-git')).repoRoot(folder)).rejects.toThrow(/ENOENT/);
	});
});
