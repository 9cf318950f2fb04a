import {Box, Text} from 'ink';
import {formatDuration} from '../../format-duration';
import {STEP_TITLES} from '../../workflow/types';
import type {FleetRow} from '../fleet-view';
import type {RunStore} from '../run-store';
import {useNow} from './use-clock';
import {useRunState} from './use-run-state';

const COLORS: Record<string, string> = {
	running: 'cyan',
	done: 'green',
	failed: 'red',
	waiting: 'yellow',
	untouched: 'gray',
	pending: 'gray',
};
const HEADINGS = ['RACK', 'ACCOUNT', 'REGION', 'WAVE', 'STEP', 'STATUS', 'ELAPSED'];

function cells(row: FleetRow, now: number): string[] {
	const elapsed = row.startedAt === undefined ? '' : formatDuration((row.endedAt ?? now) - row.startedAt);
	return [row.rack, row.accountId, row.region, String(row.wave + 1), row.step ? STEP_TITLES[row.step] : '', row.status, elapsed];
}

/** Every rack of the fleet on one line: rack, account, region, wave, step, status, elapsed. */
function FleetTable({rows, now}: {rows: FleetRow[]; now: number}) {
	const table = rows.map(row => cells(row, now));
	const widths = HEADINGS.map((heading, index) => Math.max(heading.length, ...table.map(line => line[index]!.length)));
	const line = (values: string[]) => values.map((value, index) => value.padEnd(widths[index]!)).join('  ');
	return (
		<Box flexDirection="column" marginTop={1}>
			<Text bold>{line(HEADINGS)}</Text>
			{rows.map((row, index) => (
				<Text key={row.rack} color={COLORS[row.status]}>
					{line(table[index]!)}
				</Text>
			))}
		</Box>
	);
}

/** The fleet table of the store, when a fleet runs; its elapsed times follow the clock while a rack runs. */
export function LiveFleetTable({store}: {store: RunStore}) {
	const rows = useRunState(store, state => state.fleet);
	const now = useNow(rows?.some(row => row.startedAt !== undefined && row.endedAt === undefined) ?? false);
	return rows ? <FleetTable rows={rows} now={now} /> : null;
}
