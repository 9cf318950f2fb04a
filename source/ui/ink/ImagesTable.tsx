import {Box, render, Text} from 'ink';

export interface TableRow {
	cells: string[];
	/** Drawn in the plain colour; the others (unused images) dimmed. */
	inUse: boolean;
}

/** The images table as the plain one lays it out (same columns, two spaces apart), headings bold, unused rows dimmed; each line cut at the terminal's width. */
function ImagesTable({headings, rows}: {headings: string[]; rows: TableRow[]}) {
	const widths = headings.map((heading, index) => Math.max(heading.length, ...rows.map(row => row.cells[index]!.length)));
	const line = (values: string[]) =>
		values
			.map((value, index) => value.padEnd(widths[index]!))
			.join('  ')
			.trimEnd();
	return (
		<Box flexDirection="column">
			<Text bold wrap="truncate-end">
				{line(headings)}
			</Text>
			{rows.map((row, index) => (
				<Text key={index} dimColor={!row.inUse} wrap="truncate-end">
					{line(row.cells)}
				</Text>
			))}
		</Box>
	);
}

/** Draws the table once on the terminal and leaves it there. */
export async function printImagesTable(headings: string[], rows: TableRow[]): Promise<void> {
	const instance = render(<ImagesTable headings={headings} rows={rows} />, {exitOnCtrlC: false, patchConsole: false});
	instance.unmount();
	await instance.waitUntilExit();
}
