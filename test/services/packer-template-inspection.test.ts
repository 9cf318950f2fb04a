import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {inspectTemplate, withReleaseRun} from '../../source/services/packer-template-inspection';
import {lineDiff, parseTemplate, readTemplate} from '../../source/services/packer-template';

const shipped = fileURLToPath(new URL('../../packer/packer.json', import.meta.url));
const operator = fileURLToPath(new URL('../fixtures/operator-template/packer.json', import.meta.url));

const builder = (extra: Record<string, unknown> = {}) => ({
	type: 'amazon-ebs',
	region: 'us-east-1',
	source_ami: 'ami-6bb2d67c',
	instance_type: 't2.micro',
	ssh_username: 'ec2-user',
	ami_name: 'convox-{{timestamp}}',
	...extra,
});
const template = (body: Record<string, unknown>, file = '/work/ops/packer/packer.json') =>
	parseTemplate(file, `${JSON.stringify(body, null, 2)}\n`);

let folder: string;
beforeAll(async () => {
	folder = await mkdtemp(path.join(tmpdir(), 'convox-ami-inspection-'));
});
afterAll(async () => {
	await rm(folder, {recursive: true, force: true});
});

/** The real Packer 1.6.6 on the text: what it says, empty when it accepts the template. */
async function packerValidate(text: string, variables: Record<string, string> = {}): Promise<{exitCode: number; output: string}> {
	const file = path.join(folder, `validate-${Math.random().toString(36).slice(2)}.json`);
	await writeFile(file, text);
	const args = ['validate', ...Object.entries(variables).flatMap(([name, value]) => ['-var', `${name}=${value}`]), file];
	const result = await execa('packer', args, {reject: false, env: {CHECKPOINT_DISABLE: '1'}});
	return {exitCode: result.exitCode ?? 1, output: `${result.stdout}${result.stderr}`};
}

describe('inspectTemplate', () => {
	it('reads the shipped template: every variable, the secrets sensitive and read from the environment, the ReleaseRun tag, nothing shared', async () => {
		const inspection = inspectTemplate(await readTemplate(shipped));
		expect(inspection.variables).toEqual(
			expect.arrayContaining([
				{name: 'source_ami', required: false},
				{name: 'run_id', required: true},
				{name: 'librato_email', required: false, fromEnvironment: 'LIBRATO_EMAIL'},
				{name: 'logspout_token', required: false, fromEnvironment: 'LOGSPOUT_TOKEN'},
			]),
		);
		expect(inspection.sensitiveVariables).toEqual(['librato_email', 'librato_token', 'logspout_token']);
		expect(inspection.builders).toEqual([
			{index: 0, name: 'amazon-ebs', type: 'amazon-ebs', makesAmi: true, releaseRunTag: true, sharing: [], region: {variable: 'region'}},
		]);
		expect(inspection.manifestPath).toBeUndefined();
	});

	it("reads an operator's template after the original procedure: required secrets, no ReleaseRun tag, a manifest beside the template", async () => {
		const inspection = inspectTemplate(await readTemplate(operator));
		expect(inspection.variables).toEqual([
			{name: 'env', required: false},
			{name: 'version', required: false},
			{name: 'source_ami', required: false},
			{name: 'librato_email', required: true},
			{name: 'librato_token', required: true},
			{name: 'logspout_token', required: true},
		]);
		expect(inspection.sensitiveVariables).toEqual([]);
		expect(inspection.builders).toEqual([
			{
				index: 0,
				name: 'amazon-ebs',
				type: 'amazon-ebs',
				makesAmi: true,
				releaseRunTag: false,
				sharing: [],
				region: {literal: 'us-east-1'},
			},
		]);
		expect(inspection.manifestOutput).toBe('manifest.json');
		expect(inspection.manifestPath).toBe(path.join(path.dirname(operator), 'manifest.json'));
	});

	it('names each field that shares the AMI or its snapshots, a single string included', () => {
		const inspection = inspectTemplate(
			template({builders: [builder({ami_users: ['123456789012'], snapshot_users: '210987654321', ami_groups: []})]}),
		);
		expect(inspection.builders[0]!.sharing).toEqual([
			{field: 'ami_users', values: ['123456789012']},
			{field: 'snapshot_users', values: ['210987654321']},
		]);
		const everyone = inspectTemplate(template({builders: [builder({name: 'public', ami_groups: ['all'], snapshot_groups: ['all']})]}));
		expect(everyone.builders[0]).toMatchObject({
			name: 'public',
			sharing: [
				{field: 'ami_groups', values: ['all']},
				{field: 'snapshot_groups', values: ['all']},
			],
		});
	});

	it('takes a template without a variables block as declaring none', () => {
		const inspection = inspectTemplate(template({builders: [builder()]}));
		expect(inspection.variables).toEqual([]);
		expect(inspection.sensitiveVariables).toEqual([]);
		expect(inspection.builders[0]!.releaseRunTag).toBe(false);
	});

	it('tells two amazon-ebs builders apart by name, each with its own tags', () => {
		const inspection = inspectTemplate(
			template({
				variables: {run_id: ''},
				builders: [
					builder({name: 'us-east-1', tags: {ReleaseRun: '{{ user `run_id` }}'}}),
					builder({name: 'eu-west-1', region: 'eu-west-1', tags: {ReleaseRun: 'manual'}}),
					{type: 'null', communicator: 'none'},
				],
			}),
		);
		expect(inspection.builders.map(({name, makesAmi, releaseRunTag}) => ({name, makesAmi, releaseRunTag}))).toEqual([
			{name: 'us-east-1', makesAmi: true, releaseRunTag: true},
			{name: 'eu-west-1', makesAmi: true, releaseRunTag: false},
			{name: 'null', makesAmi: false, releaseRunTag: false},
		]);
	});

	it('finds the manifest inside a sequence and by its bare name, resolving template_dir; leaves a path it cannot resolve unresolved', () => {
		const file = '/work/ops/packer/packer.json';
		expect(
			inspectTemplate(
				template({builders: [builder()], 'post-processors': [[{type: 'manifest', output: '{{template_dir}}/out/m.json'}]]}, file),
			).manifestPath,
		).toBe('/work/ops/packer/out/m.json');
		expect(inspectTemplate(template({builders: [builder()], 'post-processors': ['manifest']}, file)).manifestPath).toBe(
			'/work/ops/packer/packer-manifest.json',
		);
		const unresolved = inspectTemplate(
			template({builders: [builder()], 'post-processors': [{type: 'manifest', output: 'm-{{user `env`}}.json'}]}, file),
		);
		expect(unresolved).toMatchObject({manifestOutput: 'm-{{user `env`}}.json'});
		expect(unresolved.manifestPath).toBeUndefined();
	});

	it('refuses the shapes Packer refuses, saying what to fix', async () => {
		const cases: Array<[Record<string, unknown>, RegExp]> = [
			[{builders: [{region: 'us-east-1'}]}, /builder 1 has no "type"/],
			[{variables: ['env'], builders: [builder()]}, /"variables" must be an object/],
			[{variables: {count: 3}, builders: [builder()]}, /variable count: Packer takes a string \(or null\)/],
			[{'sensitive-variables': 'librato_token', builders: [builder()]}, /"sensitive-variables" must be a list/],
			[{builders: [builder(), builder()]}, /builder 2: another builder is named "amazon-ebs"/],
			[{builders: [builder({tags: 'ReleaseRun'})]}, /builder amazon-ebs: "tags" must be an object/],
		];
		for (const [body, problem] of cases) {
			expect(() => inspectTemplate(template(body))).toThrow(problem);
			expect((await packerValidate(JSON.stringify(body))).exitCode, JSON.stringify(body)).not.toBe(0);
		}
	});
});

describe('withReleaseRun', () => {
	it("adds run_id and the ReleaseRun tag to the operator's template, touching nothing else, and Packer accepts the result", async () => {
		const before = await readTemplate(operator);
		const after = withReleaseRun(before);
		expect(after).toBe(
			before.text
				.replace('"logspout_token": null\n', '"logspout_token": null,\n    "run_id": ""\n')
				.replace(
					'"SourceAmi": "{{user `source_ami`}}"\n',
					'"SourceAmi": "{{user `source_ami`}}",\n        "ReleaseRun": "{{user `run_id`}}"\n',
				),
		);
		const hunks = lineDiff(before.text, after, 'packer.json').filter(line => line.startsWith('@@'));
		expect(hunks).toEqual(['@@ -6,5 +6,6 @@', '@@ -21,5 +22,6 @@']);
		expect(inspectTemplate({...before, text: after}).builders[0]!.releaseRunTag).toBe(true);
		expect(await packerValidate(after, {librato_email: 'e', librato_token: 't', logspout_token: 'l', run_id: 'run-1'})).toEqual({
			exitCode: 0,
			output: '',
		});
	});

	it('creates the variables block and the tags where there are none, tags every AMI builder, keeps tabs', async () => {
		const text = [
			'{',
			'\t"builders": [',
			`\t\t${JSON.stringify(builder({name: 'a'}))},`,
			`\t\t${JSON.stringify(builder({name: 'b', tags: {Name: 'x'}}))}`,
			'\t]',
			'}',
			'',
		].join('\n');
		const after = withReleaseRun(parseTemplate('t.json', text));
		const parsed = JSON.parse(after);
		expect(parsed.variables).toEqual({run_id: ''});
		expect(parsed.builders.map((entry: {tags: unknown}) => entry.tags)).toEqual([
			{ReleaseRun: '{{user `run_id`}}'},
			{Name: 'x', ReleaseRun: '{{user `run_id`}}'},
		]);
		expect(after).toContain('\n\t"variables": {\n\t\t"run_id": ""\n\t}');
		expect(after).not.toMatch(/\n {2}/);
		expect((await packerValidate(after)).exitCode).toBe(0);
	});

	it('replaces a ReleaseRun tag that does not carry run_id, and leaves a template that has both as it is', async () => {
		const body = {variables: {run_id: ''}, builders: [builder({tags: {ReleaseRun: 'manual'}})]};
		const after = JSON.parse(withReleaseRun(template(body)));
		expect(after.builders[0].tags).toEqual({ReleaseRun: '{{user `run_id`}}'});
		const shippedTemplate = await readTemplate(shipped);
		expect(withReleaseRun(shippedTemplate)).toBe(await readFile(shipped, 'utf8'));
	});
});
