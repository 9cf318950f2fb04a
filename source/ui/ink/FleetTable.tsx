import {Box, Text} from 'ink';
import {formatDuration} from '../../core/format-duration';
import {STEP_TITLES} from '../../core/types';
import type {FleetRow} from '../fleet-view';
import {useNow} from './use-clock';

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

/**
 * Every rack of the fleet on one line: rack, account, region, wave, step, status, elapsed. With
 * `highlighted`, that row is marked (the one Enter opens).
 */
function FleetTable({rows, now, highlighted}: {rows: FleetRow[]; now: number; highlighted?: number}) {
	const table = rows.map(row => cells(row, now));
	const widths = HEADINGS.map((heading, index) => Math.max(heading.length, ...table.map(line => line[index]!.length)));
	const line = (values: string[]) => values.map((value, index) => value.padEnd(widths[index]!)).join('  ');
	const mark = (index?: number) => (highlighted === undefined ? '' : index === highlighted ? '▸ ' : '  ');
	return (
		<Box flexDirection="column" marginTop={1}>
			<Text bold>{mark() + line(HEADINGS)}</Text>
			{rows.map((row, index) => (
				<Text key={row.rack} color={COLORS[row.status]} bold={index === highlighted}>
					{mark(index) + line(table[index]!)}
				</Text>
			))}
		</Box>
	);
}

/** The fleet table; its elapsed times follow the screen's clock while a rack runs. */
export function LiveFleetTable({rows, highlighted}: {rows: FleetRow[]; highlighted?: number}) {
	const now = useNow(rows.some(row => row.startedAt !== undefined && row.endedAt === undefined));
	return <FleetTable rows={rows} now={now} highlighted={highlighted} />;
}
