import type {FleetEvent, FleetEventInput, FleetSink} from '../core/fleet-events';
import {STEP_TITLES} from '../core/types';
import type {FrontEnd} from './front-end';
import {createJsonReporter} from './plain/json-reporter';
import {createPlainReporter} from './plain/plain-reporter';
import {reduceFleetRow, reduceRackRow, type FleetRow} from './fleet-view';

export interface FleetTag {
	fleet: string;
	fleetRunId: string;
	/** The fleet table's first rows (the Ink screen keeps them up to date). */
	racks?: FleetRow[];
}

function prefixed(prefix: string, write: (text: string) => void): (text: string) => void {
	return text => write(text.replace(/^(?=.)/gm, prefix));
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

/**
 * A fleet's racks run side by side: JSON events gain `fleet` and `rack`; plain lines of a rack
 * start with `[rack]`; the Ink screen keeps the fleet table and each rack's own panes, with the fleet's lines.
 */
export function createFleetReporter(
	frontEnd: FrontEnd,
	tag: FleetTag,
	write: (text: string) => void = text => process.stdout.write(text),
): FleetSink {
	const stamp = (event: FleetEventInput): FleetEvent => ({
		...event,
		fleet: tag.fleet,
		fleetRunId: tag.fleetRunId,
		runId: tag.fleetRunId,
		at: new Date().toISOString(),
	});
	switch (frontEnd.renderer) {
		case 'json': {
			const json = createJsonReporter(write);
			return {
				rackSink: rack => (event, run) => json(Object.assign({}, event, {fleet: tag.fleet, rack}), run),
				emit: event => write(`${JSON.stringify(stamp(event))}\n`),
			};
		}
		case 'plain':
			return {
				rackSink: rack => createPlainReporter(prefixed(`[${rack}] `, write)),
				emit: event => write(`${describeFleetEvent(event, tag.fleet)}\n`),
			};
		case 'ink': {
			let rows = tag.racks ?? [];
			const show = (next: FleetRow[]) => {
				if (next.every((row, index) => row === rows[index])) return;
				rows = next;
				frontEnd.showFleet?.(rows);
			};
			frontEnd.showFleet?.(rows);
			return {
				rackSink: rack => {
					const panes = frontEnd.rackPanes?.(rack);
					return (event, run) => {
						panes?.(event, run);
						show(rows.map(row => (row.rack === rack ? reduceRackRow(row, event) : row)));
						if (event.type === 'step' && event.status === 'failed')
							frontEnd.say('warn', `[${rack}] ${STEP_TITLES[event.step]} failed${event.error ? `: ${event.error}` : ''}`);
					};
				},
				emit: event => {
					const now = Date.now();
					show(rows.map(row => reduceFleetRow(row, event, now)));
					if (event.type !== 'rack-state')
						frontEnd.say(event.type === 'notice' && event.level === 'warn' ? 'warn' : 'info', describeFleetEvent(event, tag.fleet));
				},
			};
		}
	}
}
