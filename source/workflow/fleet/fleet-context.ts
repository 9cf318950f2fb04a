import type {ExitCode} from '../../core/errors';
import type {FleetChangeInput, FleetEventInput, ImagePlace} from '../../core/fleet-events';
import {FleetStore, type FleetImageRecord, type FleetRackRecord, type FleetRun} from './fleet-journal';
import {reduceFleet} from './fleet-reducer';
import type {FleetSession} from './fleet-world';

/** Where the fleet stopped when it had to stop at once (interrupted, a question nobody can answer). */
export interface Halt {
	exitCode: ExitCode;
	message: string;
	hint?: string;
}

/**
 * A fleet run being driven: the journaled fleet run, changed only through `change` (reduced, then
 * saved), and the events said about it. Each part of the driver decides; this records.
 */
export class FleetContext {
	private current: FleetRun;
	private halted: Halt | undefined;
	readonly store: FleetStore;

	constructor(
		readonly session: FleetSession,
		fleet: FleetRun,
	) {
		this.current = fleet;
		this.store = new FleetStore(session.stateDir, session.runs.mirror);
	}

	get fleet(): FleetRun {
		return this.current;
	}

	/** The one way the fleet run changes. */
	change(change: FleetChangeInput): void {
		this.current = reduceFleet(this.current, {...change, at: new Date().toISOString()});
		this.store.save(this.current);
	}

	emit(event: FleetEventInput): void {
		this.session.sink.emit(event);
	}

	rack(name: string): FleetRackRecord {
		return this.current.racks.find(rack => rack.name === name)!;
	}

	image(place: ImagePlace): FleetImageRecord {
		return this.current.images.find(image => image.accountId === place.accountId && image.region === place.region)!;
	}

	/** The first reason to stop at once wins. */
	stop(halt: Halt): void {
		this.halted ??= halt;
	}

	get halt(): Halt | undefined {
		return this.halted;
	}

	/** Nothing new starts: a halt, or the operator's Ctrl-C. */
	get stopping(): boolean {
		return Boolean(this.halted) || this.session.signal.aborted;
	}
}
