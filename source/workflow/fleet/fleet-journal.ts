import path from 'node:path';
import type {HistoryEntry, RunMode} from '../../core/types';
import type {FleetStatus, RackState, WaveChangeSet} from '../../core/fleet-events';
import type {ChangeSetApproval} from '../../core/step-outputs';
import {JsonJournal} from '../json-journal';
import type {StateMirror} from '../state-mirror';

/** A rack of a fleet run and the run (today's format, in runs/) that releases it. */
export interface FleetRackRecord {
	name: string;
	accountId: string;
	region: string;
	stackName: string;
	wave: number;
	production: boolean;
	state: RackState;
	runId?: string;
	/** Why it failed or waits, in a line. */
	detail?: string;
}

/**
 * An AMI of the fleet, one per account and region: built by the run of the account's first rack
 * (`runId`), or copied from the build's region (`copiedFrom`). `amiId` is set once it is available.
 */
export interface FleetImageRecord {
	accountId: string;
	region: string;
	kind: 'build' | 'copy';
	status: 'pending' | 'running' | 'done' | 'failed';
	/** The build: the rack whose run builds it. */
	rack?: string;
	runId?: string;
	copiedFrom?: {region: string; amiId: string};
	amiId?: string;
	adopted?: boolean;
	error?: string;
}

/**
 * A wave of a fleet run with `until: 'preview'`: its last preview (the change sets shown for
 * approval), and who approved its racks' change sets since.
 */
export interface WaveApproval {
	wave: number;
	/** Absent when the fleet stopped before it recorded the preview (its racks' runs hold theirs). */
	preview?: {at: string; changeSets: WaveChangeSet[]; table: string};
	approvals: Array<ChangeSetApproval & {rack: string}>;
}

export interface FleetRun {
	schemaVersion: 1;
	kind: 'fleet';
	id: string;
	fleet: string;
	mode: RunMode;
	dryRun: boolean;
	status: FleetStatus;
	createdAt: string;
	updatedAt: string;
	waves: string[][];
	maxConcurrent: number;
	failureTolerance: number;
	/** One Convox version for every rack; set once resolved. */
	convoxVersion?: string;
	/** Waves the operator confirmed (a production wave once, by typing the fleet's name). */
	confirmedWaves: number[];
	confirm: string[];
	/** `release --fleet NAME --until preview`: each wave stops once its change sets are shown, until approved. Absent in older journals. */
	until?: 'preview';
	/** The waves previewed for approval; absent in older journals. */
	waveApprovals?: WaveApproval[];
	racks: FleetRackRecord[];
	images: FleetImageRecord[];
	history: HistoryEntry[];
}

/** STATE_DIR/fleets/ holds the fleet runs. */
const FOLDER = 'fleets';

export function fleetFiles(stateDir: string, fleetRunId: string) {
	const base = path.join(stateDir, FOLDER, fleetRunId);
	return {journal: `${base}.json`, report: `${base}.report.md`};
}

/** The fleet runs' journal: STATE_DIR/fleets/FLEET_RUN_ID.json, kept as the runs' journal is. */
export class FleetStore extends JsonJournal<FleetRun> {
	constructor(stateDir: string, mirror?: StateMirror) {
		super(
			{
				folder: FOLDER,
				entry: 'fleet run',
				file: 'fleet journal',
				recognises: fleet => fleet.kind === 'fleet' && Array.isArray(fleet.racks) && Array.isArray(fleet.images),
			},
			stateDir,
			mirror,
		);
	}
}

/** Ids of every rack run and build run some fleet run links: `resume` without an id leaves them to their fleet. */
export function linkedRunIds(fleets: FleetRun[]): Set<string> {
	return new Set(
		fleets
			.flatMap(fleet => [...fleet.racks.map(rack => rack.runId), ...fleet.images.map(image => image.runId)])
			.filter((id): id is string => Boolean(id)),
	);
}
