import type {FleetEvent, FleetEventInput, FleetSink} from '../core/fleet-events';
import {STEP_TITLES, type EventSink} from '../core/types';
import {createJsonReporter} from './plain/json-reporter';
import {createPlainReporter} from './plain/plain-reporter';
import {reduceFleetRow, reduceRackRow, type FleetRow} from './fleet-view';

/** A rack of the fleet as its journal holds it when the fleet (re)starts. */
interface FleetTagRack {
	name: string;
	accountId: string;
	region: string;
	wave: number;
	state: string;
}

export interface FleetTag {
	fleet: string;
	fleetRunId: string;
	/** The racks: the Ink screen's fleet table starts from them and keeps them up to date. */
	racks?: readonly FleetTagRack[];
}

/** One line for people per fleet event. */
function describeFleetEvent(event: FleetEventInput, fleet: string): string {
	switch (event.type) {
		case 'fleet':
			return `fleet ${fleet} ${event.status}${event.convoxVersion ? ` · Convox ${event.convoxVersion}` : ''}${event.message ? `: ${event.message}` : ''}`;
		case 'wave':
			return `wave ${event.wave + 1} ${event.status}: ${event.racks.join(', ')}`;
		case 'image': {
			const what =
				event.kind === 'build'
					? `build for account ${event.accountId} in ${event.region}${event.rack ? ` (run of ${event.rack})` : ''}`
					: `copy for account ${event.accountId} to ${event.region}`;
			return `${what} ${event.status}${event.amiId ? `: ${event.amiId}` : ''}${event.message ? ` — ${event.message}` : ''}`;
		}
		case 'rack-state':
			return `rack ${event.rack} (wave ${event.wave + 1}) ${event.state}${event.runId ? ` · run ${event.runId}` : ''}${event.detail ? `: ${event.detail}` : ''}`;
		case 'change-sets':
			return `change sets of wave ${event.wave + 1}:\n${event.table.replace(/^/gm, '  ')}`;
		case 'notice':
			return `${event.level === 'warn' ? '! ' : ''}${event.rack ? `[${event.rack}] ` : ''}${event.message}`;
	}
}

/** JSON: a rack's run events gain `fleet` and `rack`; the fleet's own carry `fleet`, `fleetRunId` and the fleet run's id as `runId`. */
export function jsonFleetSink(tag: FleetTag, write: (text: string) => void): FleetSink {
	const json = createJsonReporter(write);
	return {
		rackSink: rack => (event, run) => json(Object.assign({}, event, {fleet: tag.fleet, rack}), run),
		emit: event => {
			const stamped: FleetEvent = {
				...event,
				fleet: tag.fleet,
				fleetRunId: tag.fleetRunId,
				runId: tag.fleetRunId,
				at: new Date().toISOString(),
			};
			write(`${JSON.stringify(stamped)}\n`);
		},
	};
}

/** Plain lines: every line of a rack's run starts with `[rack]`; the fleet's own events say what happened. */
export function plainFleetSink(tag: FleetTag, write: (text: string) => void): FleetSink {
	return {
		rackSink: rack => createPlainReporter(text => write(text.replace(/^(?=.)/gm, `[${rack}] `))),
		emit: event => write(`${describeFleetEvent(event, tag.fleet)}\n`),
	};
}

/** What the Ink screen offers a fleet: its table, each rack's own panes, its notices. */
export interface FleetScreen {
	/** `hold`: nothing changed that needs the operator (a rack's step or state, not a failure or a wait), which may wait for a frame drawn anyway. */
	setFleet(rows: FleetRow[], options?: {hold: boolean}): void;
	rackPanes(rack: string): EventSink;
	say(level: 'info' | 'warn', message: string): void;
}

/** Rack states the table shows at once: the operator has something to look at. */
const URGENT_STATES = new Set(['failed', 'waiting']);

/**
 * The Ink screen: the fleet table follows the racks' runs and states (as the screen's clock allows,
 * a rack that failed or waits at once); steps that fail and the fleet's lines become notices.
 */
export function inkFleetSink(tag: FleetTag, screen: FleetScreen): FleetSink {
	let rows: FleetRow[] = (tag.racks ?? []).map(({name, accountId, region, wave, state}) => ({
		rack: name,
		accountId,
		region,
		wave,
		status: state,
	}));
	const show = (next: FleetRow[], hold: boolean) => {
		if (next.every((row, index) => row === rows[index])) return;
		rows = next;
		screen.setFleet(rows, {hold});
	};
	screen.setFleet(rows);
	return {
		rackSink: rack => {
			const panes = screen.rackPanes(rack);
			return (event, run) => {
				panes(event, run);
				show(
					rows.map(row => (row.rack === rack ? reduceRackRow(row, event) : row)),
					true,
				);
				if (event.type === 'step' && event.status === 'failed')
					screen.say('warn', `[${rack}] ${STEP_TITLES[event.step]} failed${event.error ? `: ${event.error}` : ''}`);
			};
		},
		emit: event => {
			const now = Date.now();
			show(
				rows.map(row => reduceFleetRow(row, event, now)),
				event.type === 'rack-state' && !URGENT_STATES.has(event.state),
			);
			if (event.type !== 'rack-state')
				screen.say(event.type === 'notice' && event.level === 'warn' ? 'warn' : 'info', describeFleetEvent(event, tag.fleet));
		},
	};
}
