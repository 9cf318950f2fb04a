import {Box, Text, useStdout} from 'ink';
import {memo} from 'react';
import {formatDuration} from '../../core/format-duration';
import {STEP_TITLES} from '../../core/types';
import {FLEET_CLOCK_STEP_MS, type FleetRow} from '../fleet-view';
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
/** Lines of the screen kept for the rest of the fleet's live area (header, notices, key hint). */
const AROUND_TABLE = 14;
const FEWEST_ROWS = 5;

/** A running rack's time moves with the table's 5 s clock, which may stand before the rack started: under 5 s it says so. */
function elapsedOf(row: FleetRow, now: number): string {
	if (row.startedAt === undefined) return '';
	if (row.endedAt !== undefined) return formatDuration(row.endedAt - row.startedAt);
	const running = now - row.startedAt;
	return running < FLEET_CLOCK_STEP_MS ? `< ${formatDuration(FLEET_CLOCK_STEP_MS)}` : formatDuration(running);
}

function cells(row: FleetRow, now: number): string[] {
	return [
		row.rack,
		row.accountId,
		row.region,
		String(row.wave + 1),
		row.step ? STEP_TITLES[row.step] : '',
		row.status,
		elapsedOf(row, now),
	];
}

/** One rack's line: drawn again only when its text, colour or highlight changes. */
const RowLine = memo(function RowLine({text, color, bold}: {text: string; color: string | undefined; bold: boolean}) {
	return (
		<Text color={color} bold={bold}>
			{text}
		</Text>
	);
});

/**
 * The rows that fit on a terminal of `height` lines: all of them, or a window that holds the
 * highlighted one, and how many are left out above and below it.
 */
function visibleRows(count: number, highlighted: number | undefined, height: number | undefined): {from: number; to: number} {
	const room = height === undefined ? count : Math.max(FEWEST_ROWS, height - AROUND_TABLE);
	if (count <= room || highlighted === undefined) return {from: 0, to: count};
	const from = Math.min(Math.max(0, highlighted - Math.floor(room / 2)), count - room);
	return {from, to: from + room};
}

/**
 * Every rack of the fleet on one line: rack, account, region, wave, step, status, elapsed. With
 * `highlighted`, that row is marked (the one Enter opens), and a fleet taller than the terminal shows
 * the rows around it: the racks off the screen are not drawn.
 */
function FleetTable({rows, now, highlighted, height}: {rows: FleetRow[]; now: number; highlighted?: number; height?: number}) {
	const table = rows.map(row => cells(row, now));
	const widths = HEADINGS.map((heading, index) => Math.max(heading.length, ...table.map(line => line[index]!.length)));
	const line = (values: string[]) => values.map((value, index) => value.padEnd(widths[index]!)).join('  ');
	const mark = (index?: number) => (highlighted === undefined ? '' : index === highlighted ? '▸ ' : '  ');
	const {from, to} = visibleRows(rows.length, highlighted, height);
	return (
		<Box flexDirection="column" marginTop={1}>
			<Text bold>{mark() + line(HEADINGS)}</Text>
			{from > 0 ? <Text color="gray">{`  … ${from} more above`}</Text> : null}
			{rows.slice(from, to).map((row, offset) => (
				<RowLine
					key={row.rack}
					text={mark(from + offset) + line(table[from + offset]!)}
					color={COLORS[row.status]}
					bold={from + offset === highlighted}
				/>
			))}
			{to < rows.length ? <Text color="gray">{`  … ${rows.length - to} more below`}</Text> : null}
		</Box>
	);
}

/** The fleet table; its elapsed times follow the screen's clock, every 5 s, while a rack runs (a rack's own panes, once opened, keep the second). */
export function LiveFleetTable({rows, highlighted}: {rows: FleetRow[]; highlighted?: number}) {
	const now = useNow(
		rows.some(row => row.startedAt !== undefined && row.endedAt === undefined),
		FLEET_CLOCK_STEP_MS,
	);
	const {stdout} = useStdout();
	return <FleetTable rows={rows} now={now} highlighted={highlighted} height={stdout.rows} />;
}
