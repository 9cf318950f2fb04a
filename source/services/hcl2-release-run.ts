import {readFile, stat} from 'node:fs/promises';
import {applyEdits, modify, type JSONPath} from 'jsonc-parser';
import {RUN_ID_VARIABLE} from '../core/packer-variables';
import {attributeValue, blockBody, canonicalJson, replaceSpan, withAttribute} from './hcl2-text';
import {parseHcl2File, templateFiles, type Body} from './packer-template-hcl2';
import {jsonFormatting, RELEASE_RUN_TAG, type TemplateInspection} from './packer-template-inspection';

/** One file of the template, before and after an edit. */
export interface FileEdit {
	file: string;
	before: string;
	after: string;
}

const TAG = `${RELEASE_RUN_TAG} = var.${RUN_ID_VARIABLE}`;
/** The tag's value as hcl2json writes it, and as the `.pkr.json` syntax spells it. */
const PARSED_TAG = `\${var.${RUN_ID_VARIABLE}}`;

const isRecord = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Where `source "TYPE" "NAME"`'s body is in a parsed file, if this file has it: hcl2json gives lists
 * of bodies, the `.pkr.json` syntax also a single object at each level.
 */
function sourcePath(parsed: Body, type: string, name: string): JSONPath | undefined {
	const byType = isRecord(parsed.source) ? parsed.source[type] : undefined;
	const named = Array.isArray(byType) ? byType.map((value: unknown, index) => [index, value] as const) : [[undefined, byType] as const];
	for (const [index, value] of named) {
		if (!isRecord(value) || !(name in value)) continue;
		const at: JSONPath = ['source', type, ...(index === undefined ? [] : [index]), name];
		if (isRecord(value[name])) return at;
		if (Array.isArray(value[name]) && isRecord(value[name][0])) return [...at, 0];
	}
	return undefined;
}

function bodyAt(parsed: Body, at: JSONPath): Body {
	return at.reduce<unknown>((value, key) => (value as Record<string | number, unknown>)[key], parsed) as Body;
}

/** The map `{ … }` with the ReleaseRun entry added, on a line of its own when the map spans lines. */
function withTagEntry(map: string, eol: string): string | undefined {
	if (!map.startsWith('{') || !map.endsWith('}')) return undefined;
	const inside = map.slice(1, -1);
	if (!inside.includes('\n'))
		return inside.trim() === '' ? `{ ${TAG} }` : `{${inside.trimEnd()}${inside.trim().endsWith(',') ? '' : ','} ${TAG} }`;
	const closeLine = map.lastIndexOf('\n') + 1;
	const indent = /\n([ \t]+)\S/.exec(inside)?.[1] ?? '  ';
	return `${map.slice(0, closeLine)}${indent}${TAG}${eol}${map.slice(closeLine)}`;
}

/** A `.pkr.json` file with `value` set at `at`, in the file's own indentation; undefined where that path cannot be made (a block in the list form). */
function jsonWith(text: string, at: JSONPath, value: unknown): string | undefined {
	try {
		return applyEdits(text, modify(text, at, value, {formattingOptions: jsonFormatting(text)}));
	} catch {
		return undefined;
	}
}

/** `text` with `variable "run_id"` declared, in the file's syntax. */
function withRunIdVariable(file: string, text: string): string | undefined {
	if (file.endsWith('.pkr.json')) return jsonWith(text, ['variable', RUN_ID_VARIABLE], {type: 'string', default: ''});
	const eol = text.includes('\r\n') ? '\r\n' : '\n';
	const block = [`variable "${RUN_ID_VARIABLE}" {`, '  type    = string', '  default = ""', '}', ''].join(eol);
	return text === '' ? block : `${text}${text.endsWith('\n') ? '' : eol}${eol}${block}`;
}

/** `text` with ReleaseRun in the tags of the source at `at` (a `.pkr.json` file) or named `type`.`name`. */
function withReleaseRunTag(file: string, text: string, at: JSONPath, type: string, name: string): string | undefined {
	if (file.endsWith('.pkr.json')) return jsonWith(text, [...at, 'tags', RELEASE_RUN_TAG], PARSED_TAG);
	const body = blockBody(text, 'source', type, name);
	if (!body) return undefined;
	const tags = attributeValue(text, 'tags', body);
	if (!tags) return withAttribute(text, body, 'tags', `{ ${TAG} }`);
	const map = withTagEntry(text.slice(tags.start, tags.end), text.includes('\r\n') ? '\r\n' : '\n');
	return map && replaceSpan(text, tags, map);
}

/**
 * A dev HCL2 template made to tag its AMIs with the run: `variable "run_id"` declared (in the file
 * declaring the other variables) and `ReleaseRun = var.run_id` in the tags of every AMI source
 * lacking it, as edits of its `.pkr.hcl` and `.pkr.json` files that leave the rest of each file as
 * it was. Each edited file, parsed again, must equal the original with just those additions;
 * undefined when that cannot be done (tags built by an expression, …).
 */
export async function hcl2ReleaseRunEdits(location: string, inspection: TemplateInspection): Promise<FileEdit[] | undefined> {
	const files = await templateFiles(location, (await stat(location)).isDirectory());
	const texts = new Map(await Promise.all(files.map(async file => [file, await readFile(file, 'utf8')] as const)));
	const parsed = new Map(await Promise.all(files.map(async file => [file, await parseHcl2File(file, texts.get(file)!)] as const)));
	const expected = new Map([...parsed].map(([file, root]) => [file, structuredClone(root)]));
	const edited = new Map<string, string>();

	if (!inspection.variables.some(variable => variable.name === RUN_ID_VARIABLE)) {
		const declaring = files.filter(candidate => isRecord(parsed.get(candidate)!.variable));
		const file = declaring.find(candidate => candidate.endsWith('.pkr.hcl')) ?? declaring[0] ?? files[0];
		if (!file) return undefined;
		const withVariable = withRunIdVariable(file, texts.get(file)!);
		if (withVariable === undefined) return undefined;
		edited.set(file, withVariable);
		const root = expected.get(file)!;
		const declared = file.endsWith('.pkr.json') ? {type: 'string', default: ''} : [{default: '', type: '${string}'}];
		root.variable = {...(isRecord(root.variable) ? root.variable : {}), [RUN_ID_VARIABLE]: declared};
	}

	for (const builder of inspection.builders.filter(candidate => candidate.makesAmi && !candidate.releaseRunTag)) {
		const name = builder.name.slice(builder.type.length + 1);
		const file = files.find(candidate => sourcePath(parsed.get(candidate)!, builder.type, name));
		if (!file) return undefined;
		const at = sourcePath(parsed.get(file)!, builder.type, name)!;
		const after = withReleaseRunTag(file, edited.get(file) ?? texts.get(file)!, at, builder.type, name);
		if (!after) return undefined;
		edited.set(file, after);
		const source = bodyAt(expected.get(file)!, at);
		source.tags = {...(isRecord(source.tags) ? source.tags : {}), [RELEASE_RUN_TAG]: PARSED_TAG};
	}

	const edits: FileEdit[] = [];
	for (const [file, after] of edited) {
		const reparsed = await parseHcl2File(file, after).catch(() => undefined);
		if (canonicalJson(reparsed) !== canonicalJson(expected.get(file))) return undefined;
		edits.push({file, before: texts.get(file)!, after});
	}
	return edits;
}
