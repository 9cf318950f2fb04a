import {checksReference} from '../source/checklist/tables';

/** A table in a Markdown file that is generated from the code, between `<!-- MARKER -->` and `<!-- /MARKER -->`. */
export interface GeneratedTable {
	file: string;
	marker: string;
	render(): string;
}

export const GENERATED_TABLES: readonly GeneratedTable[] = [
	{file: 'README.md', marker: 'checks-table', render: checksReference},
	{file: 'docs/checks.md', marker: 'checks-table', render: checksReference},
];

function bounds(text: string, marker: string): {start: number; end: number} {
	const open = `<!-- ${marker} -->\n`;
	const start = text.indexOf(open);
	const end = text.indexOf(`<!-- /${marker} -->`);
	if (start < 0 || end < start) throw new Error(`no <!-- ${marker} --> … <!-- /${marker} --> in the file`);
	return {start: start + open.length, end};
}

/** The table as the file has it now. */
export function tableIn(text: string, marker: string): string {
	const {start, end} = bounds(text, marker);
	return text.slice(start, end).trimEnd();
}

export function withTable(text: string, marker: string, table: string): string {
	const {start, end} = bounds(text, marker);
	return `${text.slice(0, start)}${table}\n${text.slice(end)}`;
}
