import {JournalStore} from '../workflow/journal-store';
import {firstUnfinishedStep} from '../workflow/plan';
import {outputsOf} from '../workflow/step-outputs';
import type {Run} from '../workflow/types';
import {EXIT, type ExitCode} from '../workflow/errors';
import type {CommandInput} from './run-command';

export interface RunSummary {
	id: string;
	kind: string;
	env: string;
	mode: string;
	status: string;
	step: string;
	ami: string;
	convoxVersion: string;
	createdAt: string;
}

export function summarize(run: Run): RunSummary {
	const reached = firstUnfinishedStep(run) ?? run.steps.at(-1)?.id ?? '';
	return {
		id: run.id,
		kind: run.kind,
		env: run.env,
		mode: run.mode,
		status: run.status,
		step: run.status === 'finished' ? 'done' : reached,
		ami: outputsOf(run, 'build').amiId ?? '',
		convoxVersion: outputsOf(run, 'resolve-version').convoxVersion ?? '',
		createdAt: run.createdAt,
	};
}

const COLUMNS: Array<[keyof RunSummary | 'note', string]> = [
	['id', 'RUN'],
	['env', 'ENV'],
	['step', 'STEP'],
	['status', 'STATUS'],
	['ami', 'AMI'],
	['convoxVersion', 'CONVOX'],
	['note', ''],
];

/** What sets a run apart from a live release, last so that ordinary rows stay within 100 columns. */
function noteOf(summary: RunSummary): string {
	return [summary.kind === 'release' ? '' : summary.kind, summary.mode === 'live' ? '' : summary.mode].filter(Boolean).join(', ');
}

export function formatRunsTable(summaries: RunSummary[]): string {
	const cell = (summary: RunSummary, key: keyof RunSummary | 'note') => (key === 'note' ? noteOf(summary) : summary[key] || '-');
	const rows = [COLUMNS.map(([, title]) => title), ...summaries.map(summary => COLUMNS.map(([key]) => cell(summary, key)))];
	const widths = COLUMNS.map((_, index) => Math.max(...rows.map(row => row[index]!.length)));
	return rows.map(row => row.map((cell, index) => cell.padEnd(widths[index]!)).join('  ').trimEnd()).join('\n');
}

/** `convox-ami runs`: every run in the journal, newest first. */
export async function listRuns(input: CommandInput): Promise<ExitCode> {
	const {runs, unreadable} = await new JournalStore(input.stateDir).list();
	const summaries = runs.map(summarize);
	if (input.flags.json) {
		for (const summary of summaries) process.stdout.write(`${JSON.stringify({type: 'run-summary', ...summary})}\n`);
	} else if (summaries.length === 0) {
		process.stdout.write(`No runs in ${input.stateDir}.\n`);
	} else {
		process.stdout.write(`${formatRunsTable(summaries)}\n`);
	}
	for (const {file, problem} of unreadable) process.stderr.write(`! ${file} was not read: ${problem}\n`);
	return EXIT.ok;
}
