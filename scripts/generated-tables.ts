import {checksReference} from '../source/checklist/tables';
import {inlineCode, markdownRow} from '../source/core/markdown';
import {STEP_DECLARATIONS} from '../source/core/step-declarations';

/** A table in a Markdown file that is generated from the code, between `<!-- MARKER -->` and `<!-- /MARKER -->`. */
export interface GeneratedTable {
	file: string;
	marker: string;
	render(): string;
}

/** The steps of a run as their declarations say, in their order. */
function stepsReference(): string {
	return [
		markdownRow(['step', 'runs in', 'what happens', 'what can stop it', 'what it changes']),
		markdownRow(['---', '---', '---', '---', '---']),
		...STEP_DECLARATIONS.map(step => markdownRow([inlineCode(step.id), step.kinds.join(', '), step.does, step.stopsWhen, step.changes])),
	].join('\n');
}

export const GENERATED_TABLES: readonly GeneratedTable[] = [
	{file: 'README.md', marker: 'checks-table', render: checksReference},
	{file: 'docs/checks.md', marker: 'checks-table', render: checksReference},
	{file: 'docs/steps.md', marker: 'steps-table', render: stepsReference},
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
