import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {
	bundledTemplatePath,
	lineDiff,
	parseTemplate,
	readTemplate,
	withSourceAmi,
	writeTemplate,
} from '../../source/services/packer-template';

const shipped = fileURLToPath(new URL('../../packer/packer.json', import.meta.url));
let folder: string;

beforeEach(async () => {
	folder = await mkdtemp(path.join(tmpdir(), 'convox-ami-template-'));
});

afterEach(async () => {
	await rm(folder, {recursive: true, force: true});
});

describe('bundledTemplatePath', () => {
	it('finds packer/packer.json of the convox-ami package from source and from built chunks', async () => {
		expect(bundledTemplatePath()).toBe(shipped);
		await mkdir(path.join(folder, 'pkg', 'dist', 'chunks'), {recursive: true});
		await mkdir(path.join(folder, 'pkg', 'node_modules', 'other'), {recursive: true});
		await writeFile(path.join(folder, 'pkg', 'package.json'), JSON.stringify({name: 'convox-ami'}));
		await writeFile(path.join(folder, 'pkg', 'dist', 'package.json'), JSON.stringify({type: 'commonjs'}));
		const chunk = pathToFileURL(path.join(folder, 'pkg', 'dist', 'chunks', 'template-ABC.mjs')).href;
		expect(bundledTemplatePath(chunk)).toBe(path.join(folder, 'pkg', 'packer', 'packer.json'));
		expect(bundledTemplatePath(pathToFileURL(path.join(folder, 'pkg', 'dist', 'cli.js')).href)).toBe(
			path.join(folder, 'pkg', 'packer', 'packer.json'),
		);
	});

	it('says so when no convox-ami package lies above', () => {
		expect(() => bundledTemplatePath(pathToFileURL(path.join(folder, 'x.js')).href)).toThrow(/Cannot find the convox-ami package/);
	});
});

describe('reading and recording source_ami', () => {
	it('reads the base AMI the shipped template records', async () => {
		const template = await readTemplate(shipped);
		expect(template.sourceAmi).toMatch(/^ami-[0-9a-f]+$/);
		expect(template.path).toBe(shipped);
	});

	it('refuses text that is not a Packer JSON template', () => {
		expect(() => parseTemplate('t.json', '{"variables": ')).toThrow(/t\.json is not valid JSON/);
		expect(() => parseTemplate('t.json', '{"variables": {}}')).toThrow(/not a Packer JSON template/);
	});

	it('changes exactly one line of the shipped template and keeps everything else', async () => {
		const before = await readFile(shipped, 'utf8');
		const after = withSourceAmi(before, 'ami-0123456789abcdef0');
		const changed = before.split('\n').filter((line, index) => line !== after.split('\n')[index]);
		expect(before.split('\n')).toHaveLength(after.split('\n').length);
		expect(changed).toEqual([expect.stringMatching(/^\s*"source_ami": "ami-[0-9a-f]+",$/)]);
		expect(parseTemplate('x', after).sourceAmi).toBe('ami-0123456789abcdef0');
		const {variables: beforeVariables, ...beforeRest} = JSON.parse(before);
		const {variables: afterVariables, ...afterRest} = JSON.parse(after);
		expect(afterRest).toEqual(beforeRest);
		expect(afterVariables).toEqual({...beforeVariables, source_ami: 'ami-0123456789abcdef0'});
	});

	it('fills a null source_ami in place and adds a missing one by re-serialising', () => {
		expect(withSourceAmi('{\n\t"variables": {\n\t\t"source_ami": null\n\t},\n\t"builders": []\n}\n', 'ami-1')).toBe(
			'{\n\t"variables": {\n\t\t"source_ami": "ami-1"\n\t},\n\t"builders": []\n}\n',
		);
		expect(withSourceAmi('{\n\t"builders": []\n}\n', 'ami-1')).toBe(
			'{\n\t"builders": [],\n\t"variables": {\n\t\t"source_ami": "ami-1"\n\t}\n}\n',
		);
	});

	it('writes the template atomically', async () => {
		const file = path.join(folder, 'packer.json');
		await writeFile(file, '{"builders": [], "variables": {"source_ami": "ami-1"}}');
		await writeTemplate(file, withSourceAmi(await readFile(file, 'utf8'), 'ami-2'));
		expect(await readFile(file, 'utf8')).toBe('{"builders": [], "variables": {"source_ami": "ami-2"}}');
	});
});

describe('lineDiff', () => {
	it('shows one hunk with two lines of context', () => {
		const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].join('\n');
		const after = ['a', 'b', 'c', 'D', 'e', 'f', 'g'].join('\n');
		expect(lineDiff(before, after, 'packer.json')).toEqual([
			'--- packer.json',
			'+++ packer.json',
			'@@ -2,5 +2,5 @@',
			' b',
			' c',
			'-d',
			'+D',
			' e',
			' f',
		]);
		expect(lineDiff(before, before, 'packer.json')).toEqual([]);
	});

	it('shows changes far apart as separate hunks, counting each side', () => {
		const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join('\n');
		const after = ['a', 'B', 'b2', 'c', 'd', 'e', 'f', 'g', 'h', 'j'].join('\n');
		expect(lineDiff(before, after, 'p')).toEqual([
			'--- p',
			'+++ p',
			'@@ -1,4 +1,5 @@',
			' a',
			'-b',
			'+B',
			'+b2',
			' c',
			' d',
			'@@ -7,4 +8,3 @@',
			' g',
			' h',
			'-i',
			' j',
		]);
	});
});
