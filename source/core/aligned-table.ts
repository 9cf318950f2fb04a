/** Rows of cells as a plain table: each column padded to its widest cell, two spaces apart. */
export function alignedTable(rows: string[][]): string {
	const widths = rows[0]!.map((_, index) => Math.max(...rows.map(row => row[index]!.length)));
	return rows
		.map(row =>
			row
				.map((cell, index) => cell.padEnd(widths[index]!))
				.join('  ')
				.trimEnd(),
		)
		.join('\n');
}
