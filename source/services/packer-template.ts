import {existsSync, readFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {replaceFile} from '../core/atomic-file';
import {errorText} from '../core/errors';

export interface PackerTemplate {
	path: string;
	text: string;
	/** The default of `variables.source_ami`: the base AMI the template records. */
	sourceAmi?: string;
}

/**
 * The `packer/packer.json` shipped with this package. The code runs from source/…, dist/cli.js or
 * dist/chunks/*.mjs, so walk up to the folder whose package.json is convox-ami's.
 */
export function bundledTemplatePath(from: string = import.meta.url): string {
	let folder = path.dirname(fileURLToPath(from));
	for (;;) {
		const manifest = path.join(folder, 'package.json');
		if (existsSync(manifest) && packageName(manifest) === 'convox-ami') return path.join(folder, 'packer', 'packer.json');
		const parent = path.dirname(folder);
		if (parent === folder) throw new Error(`Cannot find the convox-ami package above ${fileURLToPath(from)}.`);
		folder = parent;
	}
}

/** The Packer template a config builds with: its "template" (relative to the config's folder), else the bundled one. */
export function configuredTemplatePath(templateOption: string | undefined, configDir: string): string {
	return templateOption ? path.resolve(configDir, templateOption) : bundledTemplatePath();
}

function packageName(manifest: string): string | undefined {
	try {
		return (JSON.parse(readFileSync(manifest, 'utf8')) as {name?: string}).name;
	} catch {
		return undefined;
	}
}

export function parseTemplate(file: string, text: string): PackerTemplate {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		throw new Error(`${file} is not valid JSON: ${errorText(error)}`, {cause: error});
	}
	if (!isRecord(parsed) || !Array.isArray(parsed.builders)) {
		throw new Error(`${file} is not a Packer JSON template (no "builders" list).`);
	}
	const variables = isRecord(parsed.variables) ? parsed.variables : {};
	const sourceAmi = typeof variables.source_ami === 'string' && variables.source_ami !== '' ? variables.source_ami : undefined;
	return {path: file, text, sourceAmi};
}

export async function readTemplate(file: string): Promise<PackerTemplate> {
	return parseTemplate(file, await readFile(file, 'utf8'));
}

/**
 * The template text with `variables.source_ami` set to `ami`. The value is replaced in place so
 * that the file keeps its layout and the diff is one line; a template where that is not possible
 * is re-serialised.
 */
export function withSourceAmi(text: string, amiId: string): string {
	const parsed = JSON.parse(text) as Record<string, unknown>;
	const expected = {...parsed, variables: {...(isRecord(parsed.variables) ? parsed.variables : {}), source_ami: amiId}};
	const variablesBlock = /("variables"\s*:\s*\{[^{}]*?"source_ami"\s*:\s*)(null|"(?:[^"\\]|\\.)*")/;
	const replaced = text.replace(variablesBlock, (_match, head: string) => `${head}${JSON.stringify(amiId)}`);
	if (replaced !== text && sameJson(JSON.parse(replaced), expected)) return replaced;
	const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
	return `${JSON.stringify(expected, null, indent)}\n`;
}

export async function writeTemplate(file: string, text: string): Promise<void> {
	await replaceFile(file, text);
}

interface DiffLine {
	kind: ' ' | '-' | '+';
	text: string;
	/** Line index in the old and the new text where this line stands. */
	old: number;
	new: number;
}

const DIFF_CONTEXT = 2;

/** A unified diff of two texts as lines: a hunk per changed region, 2 lines of context. */
export function lineDiff(before: string, after: string, label: string): string[] {
	if (before === after) return [];
	const lines = diffLines(before.split('\n'), after.split('\n'));
	const changed = lines.flatMap((line, index) => (line.kind === ' ' ? [] : [index]));
	const hunks: Array<[number, number]> = [];
	for (const index of changed) {
		const last = hunks.at(-1);
		if (last && index - last[1] <= 2 * DIFF_CONTEXT + 1) last[1] = index;
		else hunks.push([index, index]);
	}
	const output = [`--- ${label}`, `+++ ${label}`];
	for (const [first, last] of hunks) {
		const hunk = lines.slice(Math.max(0, first - DIFF_CONTEXT), Math.min(lines.length, last + DIFF_CONTEXT + 1));
		const oldCount = hunk.filter(line => line.kind !== '+').length;
		const newCount = hunk.filter(line => line.kind !== '-').length;
		output.push(`@@ -${hunk[0]!.old + 1},${oldCount} +${hunk[0]!.new + 1},${newCount} @@`, ...hunk.map(line => `${line.kind}${line.text}`));
	}
	return output;
}

/** Every line of both texts in order, marked kept, removed or added (longest common subsequence between the common head and tail). */
function diffLines(a: string[], b: string[]): DiffLine[] {
	let head = 0;
	while (head < a.length && head < b.length && a[head] === b[head]) head++;
	let tail = 0;
	while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
	const oldMiddle = a.slice(head, a.length - tail);
	const newMiddle = b.slice(head, b.length - tail);
	const common = Array.from({length: oldMiddle.length + 1}, () => new Uint32Array(newMiddle.length + 1));
	for (let i = oldMiddle.length - 1; i >= 0; i--) {
		for (let j = newMiddle.length - 1; j >= 0; j--) {
			common[i]![j] = oldMiddle[i] === newMiddle[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
		}
	}
	const lines: DiffLine[] = a.slice(0, head).map((text, index) => ({kind: ' ', text, old: index, new: index}));
	let i = 0;
	let j = 0;
	while (i < oldMiddle.length || j < newMiddle.length) {
		const at = {old: head + i, new: head + j};
		if (i < oldMiddle.length && j < newMiddle.length && oldMiddle[i] === newMiddle[j]) {
			lines.push({kind: ' ', text: oldMiddle[i++]!, ...at});
			j++;
		} else if (i < oldMiddle.length && (j === newMiddle.length || common[i + 1]![j]! >= common[i]![j + 1]!)) {
			lines.push({kind: '-', text: oldMiddle[i++]!, ...at});
		} else {
			lines.push({kind: '+', text: newMiddle[j++]!, ...at});
		}
	}
	const oldEnd = a.length - tail;
	const newEnd = b.length - tail;
	lines.push(...a.slice(oldEnd).map((text, index) => ({kind: ' ' as const, text, old: oldEnd + index, new: newEnd + index})));
	return lines;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameJson(left: unknown, right: unknown): boolean {
	return JSON.stringify(left) === JSON.stringify(right);
}
