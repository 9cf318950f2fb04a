import {alignedTable} from '../core/aligned-table';
import {FleetStore, type FleetRun} from '../workflow/fleet/fleet-journal';
import {JournalStore} from '../workflow/journal-store';
import {firstUnfinishedStep} from '../workflow/plan';
import {outputsOf} from '../core/step-outputs';
import type {Run} from '../core/types';
import {EXIT, UsageError, type ExitCode} from '../core/errors';
import type {CommandInput} from './cli-options';
import {openSharedState} from './open-state';
import {acquireStateLock, type StateLock} from '../workflow/state-lock';
import type {StateMirror} from '../workflow/state-mirror';

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

function summarize(run: Run): RunSummary {
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

function formatRunsTable(summaries: RunSummary[]): string {
	const cell = (summary: RunSummary, key: keyof RunSummary | 'note') => (key === 'note' ? noteOf(summary) : summary[key] || '-');
	return alignedTable([COLUMNS.map(([, title]) => title), ...summaries.map(summary => COLUMNS.map(([key]) => cell(summary, key)))]);
}

export interface FleetSummary {
	id: string;
	fleet: string;
	mode: string;
	status: string;
	convoxVersion: string;
	createdAt: string;
	racks: Array<{rack: string; wave: number; state: string; runId: string}>;
}

function summarizeFleet(fleet: FleetRun): FleetSummary {
	return {
		id: fleet.id,
		fleet: fleet.fleet,
		mode: fleet.mode,
		status: fleet.status,
		convoxVersion: fleet.convoxVersion ?? '',
		createdAt: fleet.createdAt,
		racks: fleet.racks.map(rack => ({rack: rack.name, wave: rack.wave + 1, state: rack.state, runId: rack.runId ?? ''})),
	};
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

/** The working copy is made what the bucket holds, unless a process drives it now: then it is as new as the bucket, or newer. */
async function pullUnlessDriven(stateDir: string, mirror: StateMirror): Promise<void> {
	let lock: StateLock;
	try {
		lock = await acquireStateLock(stateDir, 'convox-ami runs');
	} catch (error) {
		if (!(error instanceof UsageError)) throw error;
		process.stderr.write(`! ${error.message} The runs are listed from its working copy.\n`);
		return;
	}
	try {
		await mirror.pull();
	} finally {
		lock.release();
	}
}

/** `convox-ami runs`: every run in the journal, newest first, then the fleet runs with their racks. */
export async function listRuns(input: CommandInput): Promise<ExitCode> {
	// With a shared state, the state dir is first made what the bucket holds.
	const shared = await openSharedState(input);
	try {
		if (shared) await pullUnlessDriven(input.stateDir, shared.mirror);
	} finally {
		await shared?.close();
	}
	if (shared?.advice) process.stderr.write(`! ${shared.advice}\n`);
	const [{entries: runs, unreadable}, fleets] = await Promise.all([
		new JournalStore(input.stateDir).list(),
		new FleetStore(input.stateDir).list(),
	]);
	const summaries = runs.map(summarize);
	const fleetSummaries = fleets.entries.map(summarizeFleet);
	if (input.flags.json) {
		for (const summary of summaries) process.stdout.write(`${JSON.stringify({type: 'run-summary', ...summary})}\n`);
		for (const summary of fleetSummaries) process.stdout.write(`${JSON.stringify({type: 'fleet-summary', ...summary})}\n`);
	} else if (summaries.length === 0) {
		process.stdout.write(`No runs in ${shared?.mirror.backend.where ?? input.stateDir}.\n`);
	} else {
		process.stdout.write(`${formatRunsTable(summaries)}\n`);
		for (const summary of fleetSummaries) process.stdout.write(`\n${formatFleet(summary)}\n`);
	}
	for (const {file, problem} of [...unreadable, ...fleets.unreadable]) process.stderr.write(`! ${file} was not read: ${problem}\n`);
	return EXIT.ok;
}
