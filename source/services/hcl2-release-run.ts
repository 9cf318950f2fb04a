import {readFile, stat} from 'node:fs/promises';
import {RUN_ID_VARIABLE} from '../core/packer-variables';
import {attributeValue, blockBody, canonicalJson, replaceSpan, withAttribute} from './hcl2-text';
import {parseHcl2File, templateFiles, type Body} from './packer-template-hcl2';
import {RELEASE_RUN_TAG, type TemplateInspection} from './packer-template-inspection';

/** One file of the template, before and after an edit. */
export interface FileEdit {
	file: string;
	before: string;
	after: string;
}

const TAG = `${RELEASE_RUN_TAG} = var.${RUN_ID_VARIABLE}`;
const PARSED_TAG = `\${var.${RUN_ID_VARIABLE}}`;

const isRecord = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `source "TYPE" "NAME"`'s body in a parsed file (a map by name, or a list of them), if this file has it. */
function sourceBody(parsed: Body, type: string, name: string): Body | undefined {
	const byType = isRecord(parsed.source) ? parsed.source[type] : undefined;
	for (const named of Array.isArray(byType) ? byType : [byType]) {
		const bodies = isRecord(named) ? named[name] : undefined;
		if (Array.isArray(bodies) && isRecord(bodies[0])) return bodies[0];
	}
	return undefined;
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

/**
 * A dev HCL2 template made to tag its AMIs with the run: `variable "run_id"` declared (in the file
 * declaring the other variables) and `ReleaseRun = var.run_id` in the tags of every AMI source
 * lacking it, as edits of its `.pkr.hcl` files that leave the rest of each file as it was. Each
 * edited file, parsed again, must equal the original with just those additions; undefined when
 * that cannot be done (a `.pkr.json` file, tags built by an expression, …).
 */
export async function hcl2ReleaseRunEdits(location: string, inspection: TemplateInspection): Promise<FileEdit[] | undefined> {
	const files = await templateFiles(location, (await stat(location)).isDirectory());
	const texts = new Map(await Promise.all(files.map(async file => [file, await readFile(file, 'utf8')] as const)));
	const parsed = new Map(await Promise.all(files.map(async file => [file, await parseHcl2File(file, texts.get(file)!)] as const)));
	const expected = new Map([...parsed].map(([file, root]) => [file, structuredClone(root)]));
	const edited = new Map<string, string>();
	const hcl = files.filter(file => file.endsWith('.pkr.hcl'));

	if (!inspection.variables.some(variable => variable.name === RUN_ID_VARIABLE)) {
		const file = hcl.find(candidate => isRecord(parsed.get(candidate)!.variable)) ?? hcl[0];
		if (!file) return undefined;
		const text = texts.get(file)!;
		const eol = text.includes('\r\n') ? '\r\n' : '\n';
		const block = [`variable "${RUN_ID_VARIABLE}" {`, '  type    = string', '  default = ""', '}', ''].join(eol);
		edited.set(file, text === '' ? block : `${text}${text.endsWith('\n') ? '' : eol}${eol}${block}`);
		const root = expected.get(file)!;
		root.variable = {...(isRecord(root.variable) ? root.variable : {}), [RUN_ID_VARIABLE]: [{default: '', type: '${string}'}]};
	}

	for (const builder of inspection.builders.filter(candidate => candidate.makesAmi && !candidate.releaseRunTag)) {
		const name = builder.name.slice(builder.type.length + 1);
		const file = files.find(candidate => sourceBody(parsed.get(candidate)!, builder.type, name));
		if (!file?.endsWith('.pkr.hcl')) return undefined;
		const text = edited.get(file) ?? texts.get(file)!;
		const body = blockBody(text, 'source', builder.type, name);
		if (!body) return undefined;
		const tags = attributeValue(text, 'tags', body);
		const map = tags && withTagEntry(text.slice(tags.start, tags.end), text.includes('\r\n') ? '\r\n' : '\n');
		const after = tags ? map && replaceSpan(text, tags, map) : withAttribute(text, body, 'tags', `{ ${TAG} }`);
		if (!after) return undefined;
		edited.set(file, after);
		const source = sourceBody(expected.get(file)!, builder.type, name)!;
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
