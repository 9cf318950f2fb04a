import {cp, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {hcl2ReleaseRunEdits} from '../../source/services/hcl2-release-run';
import {readHcl2Template} from '../../source/services/packer-template-hcl2';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/hcl2/${name}`, import.meta.url));

let folder: string;
beforeAll(async () => {
	folder = await mkdtemp(path.join(tmpdir(), 'convox-ami-release-run-'));
});
afterAll(async () => {
	await rm(folder, {recursive: true, force: true});
});

/** The edits for a one-file template, applied; the template inspected again. */
async function edited(name: string, text: string) {
	const file = path.join(folder, name);
	await writeFile(file, text);
	const edits = await hcl2ReleaseRunEdits(file, (await readHcl2Template(file)).inspection);
	for (const edit of edits ?? []) await writeFile(edit.file, edit.after);
	return {edits, text: await readFile(file, 'utf8'), inspection: (await readHcl2Template(file)).inspection};
}

const VARIABLE = '\nvariable "run_id" {\n  type    = string\n  default = ""\n}\n';

describe('run_id and the ReleaseRun tag added to an HCL2 template, nothing else changed', () => {
	it.each([
		[
			'tags on one line',
			'source "amazon-ebs" "a" {\n  tags = { Name = "x" }\n}\n',
			'source "amazon-ebs" "a" {\n  tags = { Name = "x", ReleaseRun = var.run_id }\n}\n',
		],
		['empty tags', 'source "amazon-ebs" "a" {\n  tags = {}\n}\n', 'source "amazon-ebs" "a" {\n  tags = { ReleaseRun = var.run_id }\n}\n'],
		[
			'no tags',
			'source "amazon-ebs" "a" {\n\tregion = "us-east-1"\n}\n',
			'source "amazon-ebs" "a" {\n\tregion = "us-east-1"\n\ttags = { ReleaseRun = var.run_id }\n}\n',
		],
		[
			'tags over lines, a comment with braces inside',
			'source "amazon-ebs" "a" {\n  tags = {\n    # } not the end\n    Name = "${var.env}"\n  }\n}\n',
			'source "amazon-ebs" "a" {\n  tags = {\n    # } not the end\n    Name = "${var.env}"\n    ReleaseRun = var.run_id\n  }\n}\n',
		],
	])('%s', async (_layout, source, expected) => {
		const {text, inspection} = await edited(
			`t${Math.random().toString(36).slice(2)}.pkr.hcl`,
			`variable "env" {\n  default = "dev"\n}\n${source}`,
		);
		expect(text).toBe(`variable "env" {\n  default = "dev"\n}\n${expected}${VARIABLE}`);
		expect(inspection.builders.map(builder => builder.releaseRunTag)).toEqual([true]);
	});

	it('a source that is not an AMI builder is left alone; a declared run_id is not declared twice', async () => {
		const {text, edits} = await edited(
			'mixed.pkr.hcl',
			'variable "run_id" {}\nsource "null" "n" {\n  communicator = "none"\n}\nsource "amazon-ebs" "a" {\n  tags = {}\n}\n',
		);
		expect(edits).toHaveLength(1);
		expect(text).toBe(
			'variable "run_id" {}\nsource "null" "n" {\n  communicator = "none"\n}\nsource "amazon-ebs" "a" {\n  tags = { ReleaseRun = var.run_id }\n}\n',
		);
	});

	it("the operator's HCL2 twin, edited, is accepted by the real Packer 1.6.6", async () => {
		const dir = path.join(folder, 'operator');
		await cp(fixture('operator'), dir, {recursive: true});
		const edits = await hcl2ReleaseRunEdits(dir, (await readHcl2Template(dir)).inspection);
		expect(edits?.map(edit => path.basename(edit.file))).toEqual(['template.pkr.hcl']);
		for (const edit of edits!) await writeFile(edit.file, edit.after);
		const secrets = ['librato_email=a', 'librato_token=b', 'logspout_token=c', 'run_id=r1'].flatMap(value => ['-var', value]);
		const validated = await execa('packer', ['validate', ...secrets, dir], {
			cwd: folder,
			reject: false,
			all: true,
			env: {...process.env, CHECKPOINT_DISABLE: '1'},
		});
		expect(validated.exitCode, validated.all).toBe(0);
	});
});

describe('run_id and the ReleaseRun tag added to a template in the .pkr.json syntax', () => {
	it.each([
		['a source as an object, tags present', {'amazon-ebs': {a: {region: 'us-east-1', tags: {Name: 'x'}}}}],
		['a source as a list of bodies, no tags', {'amazon-ebs': {a: [{region: 'us-east-1'}]}}],
		['sources of a type as a list', {'amazon-ebs': [{other: {region: 'eu-west-1'}}, {a: {region: 'us-east-1'}}]}],
	])('%s: the file keeps its indentation, the real Packer 1.6.6 accepts it', async (_shape, source) => {
		const original = `${JSON.stringify({variable: {env: {default: 'dev'}}, source}, null, '\t')}\n`;
		const {text, edits, inspection} = await edited(`j${Math.random().toString(36).slice(2)}.pkr.json`, original);
		expect(edits).toHaveLength(1);
		expect(text).toMatch(/\n\t"variable": \{\n\t\t"env"/);
		const after = JSON.parse(text) as {variable: Record<string, unknown>};
		expect(after.variable.run_id).toEqual({type: 'string', default: ''});
		expect(inspection.builders.filter(builder => builder.makesAmi).map(builder => builder.releaseRunTag)).toEqual(
			inspection.builders.filter(builder => builder.makesAmi).map(() => true),
		);
		const validated = await execa('packer', ['validate', '-syntax-only', edits![0]!.file], {
			reject: false,
			all: true,
			env: {...process.env, CHECKPOINT_DISABLE: '1'},
		});
		expect(validated.all).not.toMatch(/Error/);
		expect(validated.exitCode).toBe(0);
	});

	it('variables in the list form of the .pkr.json syntax: no edit is offered (the step says what to add), nothing thrown', async () => {
		const original = JSON.stringify({variable: [{env: {default: 'dev'}}], source: {'amazon-ebs': {a: {region: 'us-east-1'}}}}, null, 2);
		const {edits, text} = await edited('listed.pkr.json', original);
		expect(edits).toBeUndefined();
		expect(text).toBe(original);
	});

	it('in a folder of .pkr.json files, run_id goes to the file that declares the variables, the tag to the file of the source', async () => {
		const dir = path.join(folder, 'json-folder');
		await mkdir(dir);
		await writeFile(path.join(dir, 'a-sources.pkr.json'), JSON.stringify({source: {'amazon-ebs': {a: {region: 'us-east-1'}}}}, null, 2));
		await writeFile(path.join(dir, 'b-variables.pkr.json'), JSON.stringify({variable: {env: {default: 'dev'}}}, null, 2));
		const edits = await hcl2ReleaseRunEdits(dir, (await readHcl2Template(dir)).inspection);
		expect(Object.fromEntries(edits!.map(edit => [path.basename(edit.file), JSON.parse(edit.after) as unknown]))).toEqual({
			'a-sources.pkr.json': {source: {'amazon-ebs': {a: {region: 'us-east-1', tags: {ReleaseRun: '${var.run_id}'}}}}},
			'b-variables.pkr.json': {variable: {env: {default: 'dev'}, run_id: {type: 'string', default: ''}}},
		});
	});
});
