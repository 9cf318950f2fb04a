// The bench's verdicts: each figure as a ratio to its yardstick (or a count) beside its budget.
// A script that printed one over budget exits 1 (see overBudget).
let over = 0;

/** Prints `figure` against `budget` ("x" for a ratio to its yardstick) and counts it when over. */
export function verdict(name, figure, budget, unit = 'x') {
	const within = figure <= budget;
	if (!within) over++;
	const shown = unit === 'x' ? `${figure.toFixed(2)}x` : `${Math.round(figure)} ${unit}`;
	console.log(
		`  ${name.padEnd(52)} ${shown.padStart(10)}  budget ${unit === 'x' ? `${budget}x` : `${budget} ${unit}`}: ${within ? 'within' : 'OVER'}`,
	);
}

/** How many figures this process printed over their budget. */
export function overBudget() {
	return over;
}
