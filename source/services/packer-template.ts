import {existsSync, readFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {replaceFile} from './atomic-file';

export interface PackerTemplate {
	path: string;
	text: string;
	/** The default of `variables.source_ami`: the base AMI the template records. */
	sourceAmi?: string;
}

/**
 * The `packer/packer.json` shipped with this package. The code runs from source/…, dist/cli.js or
 * dist/chunks/*.js, so walk up to the folder whose package.json is convox-ami's.
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
		throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
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
export function withSourceAmi(text: string, ami: string): string {
	const parsed = JSON.parse(text) as Record<string, unknown>;
	const expected = {...parsed, variables: {...(isRecord(parsed.variables) ? parsed.variables : {}), source_ami: ami}};
	const variablesBlock = /("variables"\s*:\s*\{[^{}]*?"source_ami"\s*:\s*)(null|"(?:[^"\\]|\\.)*")/;
	const replaced = text.replace(variablesBlock, (_match, head: string) => `${head}${JSON.stringify(ami)}`);
	if (replaced !== text && sameJson(JSON.parse(replaced), expected)) return replaced;
	const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
	return `${JSON.stringify(expected, null, indent)}\n`;
}

export async function writeTemplate(file: string, text: string): Promise<void> {
	await replaceFile(file, text);
}

/** A unified diff of two texts as lines (one hunk around the changed region, 2 lines of context). */
export function lineDiff(before: string, after: string, label: string): string[] {
	if (before === after) return [];
	const a = before.split('\n');
	const b = after.split('\n');
	let start = 0;
	while (start < a.length && start < b.length && a[start] === b[start]) start++;
	let endA = a.length;
	let endB = b.length;
	while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
		endA--;
		endB--;
	}
	const context = 2;
	const from = Math.max(0, start - context);
	const toA = Math.min(a.length, endA + context);
	const toB = Math.min(b.length, endB + context);
	return [
		`--- ${label}`,
		`+++ ${label}`,
		`@@ -${from + 1},${toA - from} +${from + 1},${toB - from} @@`,
		...a.slice(from, start).map(line => ` ${line}`),
		...a.slice(start, endA).map(line => `-${line}`),
		...b.slice(start, endB).map(line => `+${line}`),
		...a.slice(endA, toA).map(line => ` ${line}`),
	];
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameJson(left: unknown, right: unknown): boolean {
	return JSON.stringify(left) === JSON.stringify(right);
}
