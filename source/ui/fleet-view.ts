import type {FleetEventInput} from '../core/fleet-events';
import type {RunEvent, StepId} from '../core/types';

/** One line of the fleet table: where a rack is and since when. */
export interface FleetRow {
	rack: string;
	accountId: string;
	region: string;
	wave: number;
	step?: StepId;
	status: string;
	startedAt?: number;
	endedAt?: number;
}

/**
 * The fleet table's elapsed times move every 5 s, not with every tick of the screen's clock: a fleet
 * that waits draws a frame every 5 s instead of every second (each frame lays out and draws the
 * whole table). A rack's step or state, when it moves, waits for the same frame unless it needs the operator (`RunStore.setFleet`).
 */
export const FLEET_CLOCK_STEP_MS = 5000;

const ENDED = new Set(['done', 'failed', 'waiting', 'untouched']);

/** A rack's run event moves its row to the step it is at. */
export function reduceRackRow(row: FleetRow, event: RunEvent): FleetRow {
	if (event.type !== 'step' || event.status !== 'running' || row.step === event.step) return row;
	return {...row, step: event.step};
}

/** The fleet's own events set each rack's state; a row's clock runs from its start to its end. */
export function reduceFleetRow(row: FleetRow, event: FleetEventInput, now: number): FleetRow {
	if (event.type !== 'rack-state' || event.rack !== row.rack || event.state === row.status) return row;
	if (event.state === 'running') return {...row, status: 'running', startedAt: now};
	return {...row, status: event.state, ...(ENDED.has(event.state) && row.startedAt !== undefined ? {endedAt: now} : {})};
}
