import {alignedTable} from '../core/aligned-table';
import type {FleetSummary, RunListing, RunSummary} from './run-listing';

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

/** The runs, one aligned row each. */
function formatRunsTable(summaries: RunSummary[]): string {
	const cell = (summary: RunSummary, key: keyof RunSummary | 'note') => (key === 'note' ? noteOf(summary) : summary[key] || '-');
	return alignedTable([COLUMNS.map(([, title]) => title), ...summaries.map(summary => COLUMNS.map(([key]) => cell(summary, key)))]);
}

/** A fleet run, then one line per rack: wave, state and its run. */
function formatFleet(summary: FleetSummary): string {
	const done = summary.racks.filter(rack => rack.state === 'done').length;
	const head = `FLEET ${summary.id}  ${summary.fleet}  ${summary.status}  ${done}/${summary.racks.length} racks done  Convox ${summary.convoxVersion || '-'}${summary.mode === 'live' ? '' : `  ${summary.mode}`}`;
	const width = Math.max(...summary.racks.map(rack => rack.rack.length));
	return [
		head,
		...summary.racks.map(rack => `  ${rack.rack.padEnd(width)}  wave ${rack.wave}  ${rack.state.padEnd(7)}  ${rack.runId || '-'}`),
	].join('\n');
}

/** What `runs` prints: NDJSON summaries with --json; else the runs' table and each fleet run, or that there is none in `where`. */
export function runListingText({runs, fleets}: Pick<RunListing, 'runs' | 'fleets'>, {json, where}: {json: boolean; where: string}): string {
	if (json)
		return [...runs.map(summary => ({type: 'run-summary', ...summary})), ...fleets.map(summary => ({type: 'fleet-summary', ...summary}))]
			.map(line => `${JSON.stringify(line)}\n`)
			.join('');
	if (runs.length === 0) return `No runs in ${where}.\n`;
	return `${formatRunsTable(runs)}\n${fleets.map(summary => `\n${formatFleet(summary)}\n`).join('')}`;
}
