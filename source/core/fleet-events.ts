import type {ChangeSetApproval} from './step-outputs';
import type {EventSink} from './types';

export type FleetStatus = 'running' | 'finished' | 'stopped' | 'failed' | 'waiting' | 'interrupted';

/** Where a rack of a fleet stands, as the scheduler sees it. */
export type RackState = 'pending' | 'running' | 'done' | 'failed' | 'waiting';

/** What the fleet driver says beside its racks' own run events; stamped with `fleet`, `fleetRunId` and `at`. */
export type FleetEventInput =
	| {type: 'fleet'; status: 'started' | 'resumed' | FleetStatus; mode: string; message?: string; convoxVersion?: string}
	| {type: 'wave'; wave: number; status: 'started' | 'done'; racks: string[]}
	| {
			type: 'image';
			kind: 'build' | 'copy';
			accountId: string;
			region: string;
			status: 'running' | 'done' | 'failed';
			amiId?: string;
			rack?: string;
			message?: string;
	  }
	| {type: 'rack-state'; rack: string; state: RackState | 'untouched'; wave: number; runId?: string; detail?: string}
	| {type: 'change-sets'; wave: number; racks: string[]; table: string}
	| {type: 'notice'; level: 'info' | 'warn'; message: string; rack?: string};

/** As printed: `runId` is the fleet run's id, so that every JSON event has one. */
export type FleetEvent = FleetEventInput & {fleet: string; fleetRunId: string; runId: string; at: string};

/** An AMI of a fleet run: one per account and region. */
export interface ImagePlace {
	accountId: string;
	region: string;
}

/** A rack's change set shown for approval with its wave (`release --fleet NAME --until preview`). */
export interface WaveChangeSet {
	rack: string;
	runId: string;
	changeSetName: string;
	consoleUrl: string;
}

/**
 * A change of the fleet run, the only way it changes: reduced by `reduceFleet` and journaled.
 * `note` is its line in the fleet's history, when it has one.
 */
export type FleetChangeInput = (
	| {type: 'resumed'}
	| {type: 'status'; status: FleetStatus}
	| {type: 'history'; note: string}
	| {type: 'version-resolved'; convoxVersion: string}
	| {type: 'wave-confirmed'; wave: number}
	/** The wave's change sets wait for approval; `table` is the wave gate's table of them, as shown. */
	| {type: 'wave-previewed'; wave: number; changeSets: WaveChangeSet[]; table: string}
	/** A rack's change set of a previewed wave was approved: by whom, as its run journaled it. */
	| {type: 'rack-approved'; rack: string; wave: number; approval: ChangeSetApproval}
	| {type: 'rack-started'; rack: string}
	| {type: 'rack-run-created'; rack: string; runId: string}
	/** `pending` when the fleet halted under the rack's run: `resume` starts it again. */
	| {type: 'rack-ended'; rack: string; state: RackState; detail?: string}
	| ({type: 'image-started'; copiedFrom?: {region: string; amiId: string}} & ImagePlace)
	| ({type: 'image-run-created'; runId: string} & ImagePlace)
	/** Without `amiId` in a dry run, which validates a build and makes none. */
	| ({type: 'image-made'; amiId?: string; adopted?: boolean} & ImagePlace)
	/** `retry`: the fleet halted under it (interrupted, a question nobody answered), so it is pending again, not failed. */
	| ({type: 'image-failed'; error: string; retry: boolean} & ImagePlace)
) & {note?: string};

export type FleetChange = FleetChangeInput & {at: string};

/** Where a fleet's events go: its own, and each rack's run events (carrying `fleet` and `rack` where printed). */
export interface FleetSink {
	emit(event: FleetEventInput): void;
	rackSink(rack: string): EventSink;
}
