import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {isHcl2Path, parseHcl2File, passableVariables, readHcl2Template} from '../../source/services/packer-template-hcl2';
import {inspectTemplate} from '../../source/services/packer-template-inspection';
import {readTemplate} from '../../source/services/packer-template';
import type {TemplateInspection} from '../../source/services/packer-template-inspection';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const shippedJson = fileURLToPath(new URL('../../packer/packer.json', import.meta.url));

/** The twins' own variables, not in the JSON templates: they point the real Packer at the loopback stand-ins (test/e2e/packer-amazon-ebs.test.ts). */
const STAND_IN_VARIABLES = new Set(['custom_endpoint_ec2', 'ssh_port']);

/**
 * What both formats must agree on. Builder names differ by design (`amazon-ebs` against
 * `amazon-ebs.NAME`); the HCL parser gives blocks in name order, not in the file's.
 */
const comparable = ({
	builders,
	variables,
	sensitiveVariables,
	manifestPath: _path,
	requiredPackerVersion: _version,
	...rest
}: TemplateInspection) => ({
	...rest,
	variables: variables
		.filter(variable => !STAND_IN_VARIABLES.has(variable.name))
		.toSorted((left, right) => left.name.localeCompare(right.name)),
	sensitiveVariables: sensitiveVariables.toSorted(),
	builders: builders.map(({name: _name, ...builder}) => builder),
});

let folder: string;
beforeAll(async () => {
	folder = await mkdtemp(path.join(tmpdir(), 'convox-ami-hcl2-'));
});
afterAll(async () => {
	await rm(folder, {recursive: true, force: true});
});

describe('readHcl2Template', () => {
	it('a JSON var file that does not parse is named with where, never with its text (it may hold a secret)', async () => {
		const quoted = parseHcl2File('vars.json', `{\n  "logspout_token": 's3cr3t-TOKEN-value'\n}`);
		await expect(quoted).rejects.toThrow(/^vars\.json is not valid JSON\.$/);
		await expect(quoted).rejects.not.toThrow(/s3cr3t/);
		await expect(parseHcl2File('vars.json', `{"region": "eu-west-1",\n "logspout_token": "s3cr3t",}`)).rejects.toThrow(
			/^vars\.json is not valid JSON \(line 2, column \d+\)\.$/,
		);
	});
	it("the twin of packer/packer.json: the same variables, secrets, sensitive list, tag and builder as the JSON's", async () => {
		const {template, inspection} = await readHcl2Template(fixture('hcl2/convox-ami.pkr.hcl'));
		const json = inspectTemplate(await readTemplate(shippedJson));
		expect(comparable(inspection)).toEqual(comparable(json));
		expect(inspection.builders.map(builder => builder.name)).toEqual(['amazon-ebs.convox']);
		expect(inspection.requiredPackerVersion).toBe('>= 1.6.6');
		expect(json.requiredPackerVersion).toBe('>= 1.6.6');
		expect(template.sourceAmi).toBe('ami-6bb2d67c');
	});

	it('the twin of the operator template, a folder of a .pkr.hcl and a .pkr.json file: required secrets, no tag, the manifest', async () => {
		const location = fixture('hcl2/operator');
		const {template, inspection} = await readHcl2Template(location);
		const json = inspectTemplate(await readTemplate(fixture('operator-template/packer.json')));
		expect(comparable(inspection)).toEqual(comparable(json));
		expect(inspection.variables.filter(variable => variable.required).map(variable => variable.name)).toEqual([
			'librato_email',
			'librato_token',
			'logspout_token',
		]);
		// Packer runs in the folder that holds the template folder, as it runs a JSON template in its own folder.
		expect(inspection.manifestPath).toBe(path.join(path.dirname(location), 'manifest.json'));
		expect(template.path).toBe(location);
	});

	it('reads required_plugins, required_version, sharing fields and a manifest in a post-processors sequence', async () => {
		const file = path.join(folder, 'shared.pkr.hcl');
		await writeFile(
			file,
			`packer {
  required_version = ">= 1.9"
  required_plugins {
    amazon = {
      version = ">= 1.2.8"
      source  = "github.com/hashicorp/amazon"
    }
  }
}
variable "users" { default = ["123456789012"] }
source "amazon-ebs" "a" {
  ami_users    = var.users
  ami_groups   = ["all"]
  snapshot_users = []
  tags = { ReleaseRun = var.run_id }
}
source "null" "b" { communicator = "none" }
build {
  sources = ["source.amazon-ebs.a", "source.null.b"]
  post-processors {
    post-processor "manifest" { output = "\${path.root}/out/manifest.json" }
  }
}
`,
		);
		const {inspection} = await readHcl2Template(file);
		expect(inspection).toEqual({
			variables: [{name: 'users', required: false}],
			sensitiveVariables: [],
			builders: [
				{
					index: 0,
					name: 'amazon-ebs.a',
					type: 'amazon-ebs',
					makesAmi: true,
					releaseRunTag: true,
					sharing: [
						{field: 'ami_users', values: ['${var.users}']},
						{field: 'ami_groups', values: ['all']},
					],
				},
				{index: 1, name: 'null.b', type: 'null', makesAmi: false, releaseRunTag: false, sharing: []},
			],
			requiredPackerVersion: '>= 1.9',
			requiredPlugins: [{source: 'github.com/hashicorp/amazon', version: '>= 1.2.8'}],
			manifestOutput: '${path.root}/out/manifest.json',
			manifestPath: path.join(folder, 'out', 'manifest.json'),
		});
	});

	it('refuses what Packer would not read, naming the file', async () => {
		const broken = path.join(folder, 'broken.pkr.hcl');
		await writeFile(broken, 'variable "x" {\n');
		await expect(readHcl2Template(broken)).rejects.toThrow(`${broken} is not valid HCL2: `);
		const plain = path.join(folder, 'template.hcl');
		await writeFile(plain, '');
		await expect(readHcl2Template(plain)).rejects.toThrow('Packer reads a file as HCL2 only when it is named *.pkr.hcl or *.pkr.json');
		const empty = await mkdtemp(path.join(folder, 'empty-'));
		await expect(readHcl2Template(empty)).rejects.toThrow(`${empty} holds no *.pkr.hcl or *.pkr.json file.`);
	});
});

describe('the HCL2 twins', () => {
	it('the real Packer 1.6.6 validates them', async () => {
		const secrets = ['-var', 'librato_email=e', '-var', 'librato_token=t', '-var', 'logspout_token=l'];
		const passed = ['-var', 'region=us-east-1', '-var', 'env=dev', '-var', 'version=1', '-var', 'convox_version=1', '-var', 'run_id=r'];
		const validate = (args: string[]) => execa('packer', ['validate', ...args], {env: {CHECKPOINT_DISABLE: '1'}, reject: false});
		expect((await validate([...passed, ...secrets, fixture('hcl2/convox-ami.pkr.hcl')])).exitCode).toBe(0);
		expect((await validate([...secrets, fixture('hcl2/operator')])).exitCode).toBe(0);
		expect((await validate(['-var', 'env=dev', ...secrets, fixture('hcl2/null/required-secrets.pkr.hcl')])).exitCode).toBe(0);
	});
});

describe('isHcl2Path and passableVariables', () => {
	it("follow Packer's rule: *.pkr.hcl, *.pkr.json and folders are HCL2, and HCL2 takes only declared -vars", () => {
		expect([isHcl2Path('a/packer.json'), isHcl2Path('a/b.pkr.json'), isHcl2Path('a/b.pkr.hcl'), isHcl2Path('a/packer')]).toEqual([
			false,
			true,
			true,
			true,
		]);
		expect(passableVariables('a/packer.json', {region: 'r', env: 'e'}, ['env'])).toEqual({region: 'r', env: 'e'});
		expect(passableVariables('a/b.pkr.hcl', {region: 'r', env: 'e'}, ['env'])).toEqual({env: 'e'});
	});
});
