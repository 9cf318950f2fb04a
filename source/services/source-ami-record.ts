import {readFile} from 'node:fs/promises';
import {applyEdits, modify} from 'jsonc-parser';
import {attributeValue, blockBody, canonicalJson, replaceSpan, withAttribute} from './hcl2-text';
import {isHcl2Path, parseHcl2File, templateFiles, type Body} from './packer-template-hcl2';
import {parseTemplate, withSourceAmi} from './packer-template';
import type {PackerVarFile} from './packer/var-files';

const SOURCE_AMI = 'source_ami';

/** The file that records the base AMI a template builds from, and what it records. */
export interface SourceAmiRecord {
	file: string;
	kind: 'template' | 'var file';
	/** Where in the file, as an operator would look for it. */
	where: string;
	text: string;
	/** The value it holds now, when a plain AMI id. */
	sourceAmi?: string;
	/** The value a text of this file (the committed one) holds. */
	sourceAmiIn(text: string): Promise<string | undefined>;
	/** The file's text (or `text`) with `source_ami` set to `ami`; undefined when it cannot be edited safely. */
	withSourceAmi(amiId: string, text?: string): Promise<string | undefined>;
}

/** How one kind of file holds the value. */
interface Holder {
	read(text: string): Promise<string | undefined>;
	edit(text: string, amiId: string): Promise<string | undefined>;
}

async function recordOf(file: string, holder: Holder, place: Pick<SourceAmiRecord, 'kind' | 'where'>): Promise<SourceAmiRecord> {
	const text = await readFile(file, 'utf8');
	const sourceAmi = await holder.read(text);
	return {
		file,
		...place,
		text,
		...(sourceAmi ? {sourceAmi} : {}),
		sourceAmiIn: committed => holder.read(committed).catch(() => undefined),
		withSourceAmi: (amiId, original = text) => holder.edit(original, amiId),
	};
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
	return canonicalJson(parsed) === canonicalJson(expected) ? after : undefined;
}

function jsonEdit(text: string, path: Array<string | number>, amiId: string): string {
	return applyEdits(text, modify(text, path, amiId, {formattingOptions: {insertSpaces: !text.includes('\n\t'), tabSize: 2}}));
}

function varFileHolder(file: string): Holder {
	return {
		read: async text => plainAmi((await parseHcl2File(file, text))[SOURCE_AMI]),
		edit: (text, amiId) => {
			const span = file.endsWith('.json') ? undefined : attributeValue(text, SOURCE_AMI);
			const after = file.endsWith('.json') ? jsonEdit(text, [SOURCE_AMI], amiId) : span && replaceSpan(text, span, JSON.stringify(amiId));
			return checked(file, text, after, parsed => (parsed[SOURCE_AMI] = amiId));
		},
	};
}

/** The `variable "source_ami"` bodies of a parsed HCL2 file: hcl2json lists them, the JSON syntax may give one object. */
function declaration(parsed: Body): {bodies: Body[]; listed: boolean} | undefined {
	const variables = parsed.variable;
	if (!isRecord(variables) || !(SOURCE_AMI in variables)) return undefined;
	const value = variables[SOURCE_AMI];
	if (Array.isArray(value)) return {bodies: value.filter(isRecord), listed: true};
	return isRecord(value) ? {bodies: [value], listed: false} : undefined;
}

function hcl2Holder(file: string): Holder {
	return {
		read: async text => plainAmi(declaration(await parseHcl2File(file, text))?.bodies[0]?.default),
		edit: async (text, amiId) => {
			const declared = declaration(await parseHcl2File(file, text));
			if (!declared) return undefined;
			let after: string | undefined;
			if (file.endsWith('.json')) after = jsonEdit(text, ['variable', SOURCE_AMI, ...(declared.listed ? [0] : []), 'default'], amiId);
			else {
				const body = blockBody(text, 'variable', SOURCE_AMI);
				const span = body && attributeValue(text, 'default', body);
				after = span ? replaceSpan(text, span, JSON.stringify(amiId)) : body && withAttribute(text, body, 'default', JSON.stringify(amiId));
			}
			return checked(file, text, after, parsed => {
				declaration(parsed)!.bodies[0]!.default = amiId;
			});
		},
	};
}

const jsonTemplateHolder = (file: string): Holder => ({
	read: async text => parseTemplate(file, text).sourceAmi,
	edit: async (text, amiId) => withSourceAmi(text, amiId),
});

/**
 * Where a release records its base AMI: the last of the config's var files that sets
 * `source_ami` (Packer takes the last), else the template (for HCL2, the file of its folder that
 * declares the variable). Undefined for an HCL2 template that declares no `source_ami`.
 */
export async function sourceAmiRecord(templatePath: string, varFiles: readonly PackerVarFile[]): Promise<SourceAmiRecord | undefined> {
	const fromVarFile = varFiles.findLast(varFile => SOURCE_AMI in varFile.values);
	if (fromVarFile) return recordOf(fromVarFile.path, varFileHolder(fromVarFile.path), {kind: 'var file', where: SOURCE_AMI});
	if (!isHcl2Path(templatePath))
		return recordOf(templatePath, jsonTemplateHolder(templatePath), {kind: 'template', where: '"variables.source_ami"'});
	const isFolder = !templatePath.endsWith('.pkr.hcl') && !templatePath.endsWith('.pkr.json');
	for (const file of await templateFiles(templatePath, isFolder)) {
		if (declaration(await parseHcl2File(file, await readFile(file, 'utf8'))))
			return recordOf(file, hcl2Holder(file), {kind: 'template', where: 'the default of variable "source_ami"'});
	}
	return undefined;
}
