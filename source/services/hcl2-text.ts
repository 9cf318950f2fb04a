/**
 * Where things stand in an HCL2 text, for edits that keep the rest of the file byte for byte:
 * hcl2json parses but gives no positions. The scanner knows HCL's comments, quoted strings with
 * `${…}` interpolations, heredocs and brackets; callers check every edit by parsing the result.
 */

interface Token {
	kind: 'word' | 'string' | 'open' | 'close' | 'equals' | 'newline' | 'other';
	start: number;
	end: number;
	/** Bracket depth the token stands at (a bracket: that of the text around it). */
	depth: number;
	/** A word's text, a quoted string's content without escapes resolved. */
	text: string;
}

export interface Span {
	start: number;
	end: number;
}

const WORD = /[A-Za-z_][\w-]*/y;
const HEREDOC = /<<-?([A-Za-z_]\w*)[ \t]*\r?\n/y;

/** The end of a quoted string starting at `start` (its opening quote), interpolations included. */
function quotedEnd(text: string, start: number): number {
	let index = start + 1;
	while (index < text.length) {
		const char = text[index]!;
		if (char === '\\') index += 2;
		else if (char === '"') return index + 1;
		else if ((char === '$' || char === '%') && text[index + 1] === '{') index = interpolationEnd(text, index + 2);
		else index++;
	}
	return text.length;
}

function interpolationEnd(text: string, start: number): number {
	let depth = 1;
	let index = start;
	while (index < text.length && depth > 0) {
		const char = text[index]!;
		if (char === '"') index = quotedEnd(text, index);
		else {
			if (char === '{') depth++;
			else if (char === '}') depth--;
			index++;
		}
	}
	return index;
}

function heredocEnd(text: string, bodyStart: number, marker: string): number {
	let lineStart = bodyStart;
	while (lineStart < text.length) {
		const newline = text.indexOf('\n', lineStart);
		const lineEnd = newline === -1 ? text.length : newline;
		if (text.slice(lineStart, lineEnd).trim() === marker) return lineEnd;
		lineStart = lineEnd + 1;
	}
	return text.length;
}

function tokens(text: string): Token[] {
	const list: Token[] = [];
	let depth = 0;
	let index = 0;
	const push = (kind: Token['kind'], start: number, end: number, value = '') => list.push({kind, start, end, depth, text: value});
	while (index < text.length) {
		const char = text[index]!;
		const next = text[index + 1];
		if (char === '\n') {
			push('newline', index, ++index);
		} else if (char === ' ' || char === '\t' || char === '\r') {
			index++;
		} else if (char === '#' || (char === '/' && next === '/')) {
			const newline = text.indexOf('\n', index);
			index = newline === -1 ? text.length : newline;
		} else if (char === '/' && next === '*') {
			const close = text.indexOf('*/', index + 2);
			index = close === -1 ? text.length : close + 2;
		} else if (char === '"') {
			const end = quotedEnd(text, index);
			push('string', index, end, text.slice(index + 1, end - 1));
			index = end;
		} else if (char === '<' && next === '<' && ((HEREDOC.lastIndex = index), HEREDOC.test(text))) {
			const marker = /<<-?([A-Za-z_]\w*)/.exec(text.slice(index))![1]!;
			const end = heredocEnd(text, HEREDOC.lastIndex, marker);
			push('other', index, end);
			index = end;
		} else if (char === '{' || char === '[' || char === '(') {
			push('open', index, ++index, char);
			depth++;
		} else if (char === '}' || char === ']' || char === ')') {
			depth--;
			push('close', index, ++index, char);
		} else if (char === '=' && next !== '=' && text[index - 1] !== '!' && text[index - 1] !== '<' && text[index - 1] !== '>') {
			push('equals', index, ++index);
		} else if (((WORD.lastIndex = index), WORD.test(text))) {
			push('word', index, WORD.lastIndex, text.slice(index, WORD.lastIndex));
			index = WORD.lastIndex;
		} else {
			push('other', index, ++index);
		}
	}
	return list;
}

/** The inside of the top-level block `TYPE "LABEL" … { … }` (between its braces), the first such. */
export function blockBody(text: string, type: string, ...labels: string[]): Span | undefined {
	const list = tokens(text);
	for (let index = 0; index + labels.length + 1 < list.length; index++) {
		const keyword = list[index]!;
		const startsLine = index === 0 || list[index - 1]!.kind === 'newline';
		if (keyword.depth !== 0 || !startsLine || keyword.kind !== 'word' || keyword.text !== type) continue;
		const named = labels.every((label, at) => {
			const token = list[index + 1 + at]!;
			return (token.kind === 'string' || token.kind === 'word') && token.text === label;
		});
		const open = list[index + 1 + labels.length]!;
		if (!named || open.text !== '{') continue;
		const close = list.slice(index + 2 + labels.length).find(token => token.kind === 'close' && token.depth === 0);
		return close ? {start: open.end, end: close.start} : undefined;
	}
	return undefined;
}

/**
 * The value expression of the attribute `NAME = …` directly inside `within` (a block's body, or
 * the whole text for a var file): from after `=` to the end of its line, or to the body's end on
 * a one-line block; trailing blanks and comments excluded.
 */
export function attributeValue(text: string, name: string, within: Span = {start: 0, end: text.length}): Span | undefined {
	const list = tokens(text);
	const inside = list.filter(token => token.start >= within.start && token.end <= within.end);
	const base = inside[0]?.depth ?? 0;
	for (let index = 0; index + 1 < inside.length; index++) {
		const [key, equals] = [inside[index]!, inside[index + 1]!];
		const startsLine = index === 0 || inside[index - 1]!.kind === 'newline';
		if (key.depth !== base || !startsLine || key.kind !== 'word' || key.text !== name || equals.kind !== 'equals') continue;
		const value = inside.slice(index + 2);
		const end = value.findIndex(token => token.depth === base && token.kind === 'newline');
		const expression = end === -1 ? value : value.slice(0, end);
		const last = expression.at(-1);
		return expression[0] && last ? {start: expression[0].start, end: last.end} : undefined;
	}
	return undefined;
}

/** `text` with `span` replaced by `value`. */
export function replaceSpan(text: string, span: Span, value: string): string {
	return `${text.slice(0, span.start)}${value}${text.slice(span.end)}`;
}

/**
 * `text` with the attribute `NAME = VALUE` added at the end of the block body `body`, indented as
 * its other lines; a one-line block only when it is empty (HCL allows one attribute on a line).
 */
export function withAttribute(text: string, body: Span, name: string, value: string): string | undefined {
	const inside = text.slice(body.start, body.end);
	if (!inside.includes('\n')) return inside.trim() === '' ? replaceSpan(text, body, ` ${name} = ${value} `) : undefined;
	const closeLine = text.lastIndexOf('\n', body.end - 1) + 1;
	const indent = /\n([ \t]+)\S/.exec(inside)?.[1] ?? `${/^[ \t]*/.exec(text.slice(closeLine))![0]}  `;
	const eol = inside.includes('\r\n') ? '\r\n' : '\n';
	return `${text.slice(0, closeLine)}${indent}${name} = ${value}${eol}${text.slice(closeLine)}`;
}

/** JSON with every object's keys sorted: where the parser puts an added key does not matter. */
export function canonicalJson(value: unknown): string {
	return JSON.stringify(value, (_key, inner: unknown) =>
		typeof inner === 'object' && inner !== null && !Array.isArray(inner)
			? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([left], [right]) => left.localeCompare(right)))
			: inner,
	);
}
