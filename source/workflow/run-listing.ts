import {UsageError} from '../core/errors';
import {outputsOf} from '../core/step-outputs';
import type {Run} from '../core/types';
import {FleetStore, type FleetRun} from './fleet/fleet-journal';
import {JournalStore} from './journal-store';
import {firstUnfinishedStep} from './plan';
import {acquireStateLock, type StateLock} from './state-lock';
import type {StateMirror} from './state-mirror';

/** A run as `convox-ami runs` lists it (`run-summary` with --json: these field names are stable). */
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

/** A fleet run as `convox-ami runs` lists it (`fleet-summary` with --json), with its racks. */
export interface FleetSummary {
	id: string;
	fleet: string;
	mode: string;
	status: string;
	convoxVersion: string;
	createdAt: string;
	racks: Array<{rack: string; wave: number; state: string; runId: string}>;
}

/** Every run and fleet run of the state dir, and the journal files that could not be read. */
export interface RunListing {
	runs: RunSummary[];
	fleets: FleetSummary[];
	unreadable: Array<{file: string; problem: string}>;
}

function summarizeRun(run: Run): RunSummary {
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

/** The runs of the journal, newest first, then the fleet runs. */
export async function readRunListing(stateDir: string): Promise<RunListing> {
	const [runs, fleets] = await Promise.all([new JournalStore(stateDir).list(), new FleetStore(stateDir).list()]);
	return {
		runs: runs.entries.map(summarizeRun),
		fleets: fleets.entries.map(summarizeFleet),
		unreadable: [...runs.unreadable, ...fleets.unreadable],
	};
}

/**
 * The working copy is made what the bucket holds, unless a process drives it now: then it is as new
 * as the bucket, or newer, and `warn` says the runs are listed from it.
 */
export async function pullUnlessDriven(stateDir: string, mirror: StateMirror, warn: (line: string) => void): Promise<void> {
	let lock: StateLock;
	try {
		lock = await acquireStateLock(stateDir, 'convox-ami runs');
	} catch (error) {
		if (!(error instanceof UsageError)) throw error;
		warn(`! ${error.message} The runs are listed from its working copy.`);
		return;
	}
	try {
		await mirror.pull();
	} finally {
		lock.release();
	}
}
