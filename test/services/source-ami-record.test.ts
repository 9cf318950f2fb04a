import {copyFile, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {lineDiff} from '../../source/services/packer-template';
import {readHcl2Template} from '../../source/services/packer-template-hcl2';
import {readVarFiles} from '../../source/services/packer/var-files';
import {sourceAmiRecord} from '../../source/services/source-ami-record';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const AMI = 'ami-0123456789abcdef0';

let folder: string;
beforeAll(async () => {
	folder = await mkdtemp(path.join(tmpdir(), 'convox-ami-source-ami-'));
});
afterAll(async () => {
	await rm(folder, {recursive: true, force: true});
});

async function templateFile(name: string, text: string): Promise<string> {
	const file = path.join(folder, name);
	await writeFile(file, text);
	return file;
}

/** The edited text of a one-file HCL2 template, and the lines the diff shows. */
async function edit(text: string): Promise<{after?: string; changed: string[]}> {
	const file = await templateFile(`t${Math.random().toString(36).slice(2)}.pkr.hcl`, text);
	const record = await sourceAmiRecord(file, []);
	const after = await record!.withSourceAmi(AMI);
	const changed = after ? lineDiff(text, after, file).filter(line => /^[-+][^-+]/.test(line)) : [];
	return after === undefined ? {changed} : {after, changed};
}

const OTHERS = 'variable "region" {\n  default = "us-east-1"\n}\n';

describe('the HCL2 source_ami default is edited in place, nothing else of the file changes', () => {
	it.each([
		[
			'aligned attributes',
			'variable "source_ami" {\n  type    = string\n  default = "ami-old"\n}\n',
			'  default = "ami-0123456789abcdef0"',
		],
		[
			'tabs, default first, a comment after it',
			'variable "source_ami" {\n\tdefault = "ami-old" # the base\n\ttype = string\n}\n',
			'\tdefault = "ami-0123456789abcdef0" # the base',
		],
		['a null default', 'variable "source_ami" {\n  type = string\n  default = null\n}\n', '  default = "ami-0123456789abcdef0"'],
		['a one-line block', 'variable "source_ami" { default = "ami-old" }\n', 'variable "source_ami" { default = "ami-0123456789abcdef0" }'],
		[
			'a description mentioning default = and braces, a validation block with its own default-looking text',
			'variable "source_ami" {\n  description = "default = \\"ami-x\\" { }"\n  default     = "ami-old"\n  validation {\n    condition     = length(var.source_ami) > 4\n    error_message = "The default is wrong."\n  }\n}\n',
			'  default     = "ami-0123456789abcdef0"',
		],
		['no default yet', 'variable "source_ami" {\n    type = string\n}\n', '    default = "ami-0123456789abcdef0"'],
	])('%s', async (_layout, block, expected) => {
		const text = `# source_ami default = "ami-comment"\n${OTHERS}${block}\nsource "amazon-ebs" "x" {\n  source_ami = var.source_ami\n}\n`;
		const {after, changed} = await edit(text);
		expect(changed.filter(line => line.startsWith('+'))).toEqual([`+${expected}`]);
		expect(changed.filter(line => line.startsWith('-')).length).toBeLessThanOrEqual(1);
		expect(after!.startsWith(`# source_ami default = "ami-comment"\n${OTHERS}`)).toBe(true);
		const file = await templateFile('check.pkr.hcl', after!);
		expect((await readHcl2Template(file)).template.sourceAmi).toBe(AMI);
	});

	it('a heredoc holding a look-alike block is left alone; the real block is edited', async () => {
		const text = `locals {\n  doc = <<EOT\nvariable "source_ami" {\n  default = "ami-heredoc"\n}\nEOT\n}\nvariable "source_ami" {\n  default = "ami-old"\n}\n`;
		const {after} = await edit(text);
		expect(after).toBe(text.replace('"ami-old"', `"${AMI}"`));
	});

	it('a one-line block with another attribute cannot take a second one: no edit is offered', async () => {
		expect((await edit('variable "source_ami" { type = string }\n')).after).toBeUndefined();
	});

	it('the file of a folder that declares it, among others', async () => {
		const dir = path.join(folder, 'operator');
		await mkdir(dir);
		for (const name of ['template.pkr.hcl', 'secrets.pkr.json'])
			await copyFile(path.join(fixture('hcl2/operator'), name), path.join(dir, name));
		const record = await sourceAmiRecord(dir, []);
		expect(record).toMatchObject({file: path.join(dir, 'template.pkr.hcl'), sourceAmi: 'ami-6bb2d67c'});
		const after = await record!.withSourceAmi(AMI);
		expect(lineDiff(record!.text, after!, 'x').filter(line => /^[-+][^-+]/.test(line))).toEqual([
			'-  default = "ami-6bb2d67c"',
			`+  default = "${AMI}"`,
		]);
	});

	it('a .pkr.json template: the variable default in its JSON syntax', async () => {
		const file = await templateFile(
			't.pkr.json',
			'{\n  "variable": {\n    "source_ami": {\n      "type": "string",\n      "default": "ami-old"\n    }\n  }\n}\n',
		);
		const record = await sourceAmiRecord(file, []);
		expect(await record!.withSourceAmi(AMI)).toBe(
			`{\n  "variable": {\n    "source_ami": {\n      "type": "string",\n      "default": "${AMI}"\n    }\n  }\n}\n`,
		);
	});

	it('an HCL2 template without the variable has no record', async () => {
		expect(await sourceAmiRecord(await templateFile('none.pkr.hcl', OTHERS), [])).toBeUndefined();
	});
});

describe('a var file that sets source_ami holds the record (the last one that sets it)', () => {
	it('a .pkrvars.hcl file: its attribute is edited', async () => {
		const first = await templateFile('a.pkrvars.hcl', 'source_ami = "ami-first"\n');
		const last = await templateFile(
			'b.pkrvars.hcl',
			'# dev\nregion     = "us-east-1"\nsource_ami = "ami-old" // base\nsizes      = { a = 1 }\n',
		);
		const template = await templateFile('x.pkr.hcl', 'variable "source_ami" {\n  default = "ami-template"\n}\n');
		const record = await sourceAmiRecord(template, await readVarFiles([first, last]));
		expect(record).toMatchObject({file: last, sourceAmi: 'ami-old'});
		expect(await record!.withSourceAmi(AMI)).toBe(
			`# dev\nregion     = "us-east-1"\nsource_ami = "${AMI}" // base\nsizes      = { a = 1 }\n`,
		);
	});

	it('a .json var file beside a JSON template', async () => {
		const vars = await templateFile('dev.json', '{\n\t"source_ami": "ami-old",\n\t"env": "dev"\n}\n');
		const record = await sourceAmiRecord(fixture('operator-template/packer.json'), await readVarFiles([vars]));
		expect(await record!.withSourceAmi(AMI)).toBe(`{\n\t"source_ami": "${AMI}",\n\t"env": "dev"\n}\n`);
	});
});
