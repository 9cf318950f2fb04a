import {mkdir, readdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import {replaceFileSync} from '../../core/atomic-file';
import {UsageError} from '../../core/errors';
import type {HistoryEntry, RunMode} from '../../core/types';
import type {FleetStatus, RackState} from '../../core/fleet-events';
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
	racks: FleetRackRecord[];
	images: FleetImageRecord[];
	history: HistoryEntry[];
}

function fleetsDir(stateDir: string): string {
	return path.join(stateDir, 'fleets');
}

export function fleetFiles(stateDir: string, fleetRunId: string) {
	const base = path.join(fleetsDir(stateDir), fleetRunId);
	return {journal: `${base}.json`, report: `${base}.report.md`};
}

/** One JSON file per fleet run in STATE_DIR/fleets/, replaced atomically at every change, as the runs' journals. */
export class FleetStore {
	/** With a mirror, every save is written through to the shared state (S3) as well. */
	constructor(
		readonly stateDir: string,
		private readonly mirror?: StateMirror,
	) {}

	async ensureWritable(): Promise<void> {
		await mkdir(fleetsDir(this.stateDir), {recursive: true});
	}

	save(fleet: FleetRun): void {
		const text = `${JSON.stringify(fleet, null, 2)}\n`;
		replaceFileSync(fleetFiles(this.stateDir, fleet.id).journal, text);
		this.mirror?.journal(`fleets/${fleet.id}.json`, text);
	}

	/** Once the shared state holds every save so far and the fleet's report. */
	async settled(fleetRunId: string): Promise<void> {
		if (!this.mirror) return;
		this.mirror.files('fleets/', fleetRunId);
		await this.mirror.settled();
	}

	async load(fleetRunId: string): Promise<FleetRun> {
		const file = fleetFiles(this.stateDir, fleetRunId).journal;
		let text: string;
		try {
			text = await readFile(file, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT')
				throw new UsageError(`No fleet run ${fleetRunId} in ${fleetsDir(this.stateDir)}.`, 'List runs with `convox-ami runs`.');
			throw error;
		}
		return parseFleetJournal(text, file);
	}

	/** Every fleet run that loads, newest first, plus the files that do not. */
	async list(): Promise<{fleets: FleetRun[]; unreadable: Array<{file: string; problem: string}>}> {
		let names: string[];
		try {
			names = await readdir(fleetsDir(this.stateDir));
		} catch (error) {
			// No state dir yet, or one that cannot be (a file in the way): no fleet runs; what to do about it is said where it is written.
			if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return {fleets: [], unreadable: []};
			throw error;
		}
		const fleets: FleetRun[] = [];
		const unreadable: Array<{file: string; problem: string}> = [];
		for (const name of names.filter(name => /^[\w-]+\.json$/.test(name))) {
			const file = path.join(fleetsDir(this.stateDir), name);
			try {
				fleets.push(parseFleetJournal(await readFile(file, 'utf8'), file));
			} catch (error) {
				unreadable.push({file, problem: (error as Error).message});
			}
		}
		fleets.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
		return {fleets, unreadable};
	}
}

function parseFleetJournal(text: string, file: string): FleetRun {
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (error) {
		throw new UsageError(
			`The fleet journal ${file} is corrupt (${(error as Error).message}); it was left as it is.`,
			'Move it aside to start over, or restore it from a backup.',
		);
	}
	const fleet = data as Partial<FleetRun>;
	if (
		typeof fleet !== 'object' ||
		fleet === null ||
		fleet.kind !== 'fleet' ||
		typeof fleet.id !== 'string' ||
		!Array.isArray(fleet.racks) ||
		!Array.isArray(fleet.images)
	) {
		throw new UsageError(
			`The fleet journal ${file} is not a convox-ami fleet run; it was left as it is.`,
			'Move it aside or point --state-dir elsewhere.',
		);
	}
	if (fleet.schemaVersion !== 1)
		throw new UsageError(
			`The fleet journal ${file} has schema version ${String(fleet.schemaVersion)}; this convox-ami reads version 1.`,
			'Use the convox-ami version that wrote it.',
		);
	return fleet as FleetRun;
}

/** Ids of every rack run and build run some fleet run links: `resume` without an id leaves them to their fleet. */
export function linkedRunIds(fleets: FleetRun[]): Set<string> {
	return new Set(
		fleets
			.flatMap(fleet => [...fleet.racks.map(rack => rack.runId), ...fleet.images.map(image => image.runId)])
			.filter((id): id is string => Boolean(id)),
	);
}
