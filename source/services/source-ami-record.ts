import {readFile} from 'node:fs/promises';
import {applyEdits, modify} from 'jsonc-parser';
import {attributeValue, blockBody, replaceSpan, withAttribute} from './hcl2-text';
import {isHcl2Path, parseHcl2File, templateFiles, type Body} from './packer-template-hcl2';
import {parseTemplate, withSourceAmi} from './packer-template';
import type {PackerVarFile} from './packer/var-files';

const SOURCE_AMI = 'source_ami';

/** The file that records the base AMI a template builds from, and what it records. */
export interface SourceAmiRecord {
	file: string;
	text: string;
	/** The value it holds now, when a plain AMI id. */
	sourceAmi?: string;
	/** The file's text with `source_ami` set to `ami`; undefined when it cannot be edited safely. */
	withSourceAmi(ami: string): Promise<string | undefined>;
}

const isRecord = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);
const plainAmi = (value: unknown) => (typeof value === 'string' && value !== '' && !value.includes('${') ? value : undefined);

/** An edit is kept only when parsing its result gives the parsed original with just that value changed. */
async function checked(
	file: string,
	before: string,
	after: string | undefined,
	expect: (parsed: Body) => void,
): Promise<string | undefined> {
	if (after === undefined || after === before) return undefined;
	const expected = await parseHcl2File(file, before);
	expect(expected);
	const parsed = await parseHcl2File(file, after).catch(() => undefined);
	return canonical(parsed) === canonical(expected) ? after : undefined;
}

/** JSON with every object's keys sorted: where the parser puts an added key does not matter. */
function canonical(value: unknown): string {
	return JSON.stringify(value, (_key, inner: unknown) =>
		isRecord(inner) ? Object.fromEntries(Object.entries(inner).sort(([left], [right]) => left.localeCompare(right))) : inner,
	);
}

function jsonEdit(text: string, path: Array<string | number>, ami: string): string {
	return applyEdits(text, modify(text, path, ami, {formattingOptions: {insertSpaces: !text.includes('\n\t'), tabSize: 2}}));
}

function varFileRecord(varFile: PackerVarFile): SourceAmiRecord {
	const {path: file, text} = varFile;
	const record: SourceAmiRecord = {
		file,
		text,
		withSourceAmi: ami => {
			const span = file.endsWith('.json') ? undefined : attributeValue(text, SOURCE_AMI);
			const after = file.endsWith('.json') ? jsonEdit(text, [SOURCE_AMI], ami) : span && replaceSpan(text, span, JSON.stringify(ami));
			return checked(file, text, after, parsed => (parsed[SOURCE_AMI] = ami));
		},
	};
	const sourceAmi = plainAmi(varFile.values[SOURCE_AMI]);
	return sourceAmi ? {...record, sourceAmi} : record;
}

/** The `variable "source_ami"` bodies of a parsed HCL2 file: hcl2json lists them, the JSON syntax may give one object. */
function declaration(parsed: Body): {bodies: Body[]; listed: boolean} | undefined {
	const variables = parsed.variable;
	if (!isRecord(variables) || !(SOURCE_AMI in variables)) return undefined;
	const value = variables[SOURCE_AMI];
	if (Array.isArray(value)) return {bodies: value.filter(isRecord), listed: true};
	return isRecord(value) ? {bodies: [value], listed: false} : undefined;
}

async function hcl2Record(file: string): Promise<SourceAmiRecord | undefined> {
	const text = await readFile(file, 'utf8');
	const declared = declaration(await parseHcl2File(file, text));
	if (!declared) return undefined;
	const record: SourceAmiRecord = {
		file,
		text,
		withSourceAmi: ami => {
			let after: string | undefined;
			if (file.endsWith('.json')) after = jsonEdit(text, ['variable', SOURCE_AMI, ...(declared.listed ? [0] : []), 'default'], ami);
			else {
				const body = blockBody(text, 'variable', SOURCE_AMI);
				const span = body && attributeValue(text, 'default', body);
				after = span ? replaceSpan(text, span, JSON.stringify(ami)) : body && withAttribute(text, body, 'default', JSON.stringify(ami));
			}
			return checked(file, text, after, parsed => {
				const found = declaration(parsed)!;
				found.bodies[0]!.default = ami;
			});
		},
	};
	const sourceAmi = plainAmi(declared.bodies[0]?.default);
	return sourceAmi ? {...record, sourceAmi} : record;
}

/**
 * Where a release records its base AMI: the last of the config's var files that sets
 * `source_ami` (Packer takes the last), else the template (for HCL2, the file of its folder that
 * declares the variable). Undefined for an HCL2 template that declares no `source_ami`.
 */
export async function sourceAmiRecord(templatePath: string, varFiles: readonly PackerVarFile[]): Promise<SourceAmiRecord | undefined> {
	const fromVarFile = varFiles.findLast(varFile => SOURCE_AMI in varFile.values);
	if (fromVarFile) return varFileRecord(fromVarFile);
	if (!isHcl2Path(templatePath)) {
		const template = parseTemplate(templatePath, await readFile(templatePath, 'utf8'));
		const record: SourceAmiRecord = {
			file: templatePath,
			text: template.text,
			withSourceAmi: async ami => withSourceAmi(template.text, ami),
		};
		return template.sourceAmi ? {...record, sourceAmi: template.sourceAmi} : record;
	}
	const isFolder = !templatePath.endsWith('.pkr.hcl') && !templatePath.endsWith('.pkr.json');
	for (const file of await templateFiles(templatePath, isFolder)) {
		const record = await hcl2Record(file);
		if (record) return record;
	}
	return undefined;
}
