import {EXIT, type ExitCode} from '../core/errors';
import {formatFleet, formatRunsTable} from '../workflow/format-runs';
import {pullUnlessDriven, readRunListing} from '../workflow/run-listing';
import type {CommandInput} from '../core/command-input';
import {openSharedState} from './open-state';

const warn = (line: string) => process.stderr.write(`${line}\n`);

/** `convox-ami runs`: every run in the journal, newest first, then the fleet runs with their racks. */
export async function listRuns(input: CommandInput): Promise<ExitCode> {
	// With a shared state, the state dir is first made what the bucket holds.
	const shared = await openSharedState(input);
	try {
		if (shared) await pullUnlessDriven(input.stateDir, shared.mirror, warn);
	} finally {
		await shared?.close();
	}
	if (shared?.advice) warn(`! ${shared.advice}`);
	const {runs, fleets, unreadable} = await readRunListing(input.stateDir);
	if (input.flags.json) {
		for (const summary of runs) process.stdout.write(`${JSON.stringify({type: 'run-summary', ...summary})}\n`);
		for (const summary of fleets) process.stdout.write(`${JSON.stringify({type: 'fleet-summary', ...summary})}\n`);
	} else if (runs.length === 0) {
		process.stdout.write(`No runs in ${shared?.mirror.backend.where ?? input.stateDir}.\n`);
	} else {
		process.stdout.write(`${formatRunsTable(runs)}\n`);
		for (const summary of fleets) process.stdout.write(`\n${formatFleet(summary)}\n`);
	}
	for (const {file, problem} of unreadable) warn(`! ${file} was not read: ${problem}`);
	return EXIT.ok;
}
