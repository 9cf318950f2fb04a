import type {CommandConsole} from '../core/command-input';
import {runListingText} from './format-runs';
import {pullUnlessDriven, readRunListing} from './run-listing';
import type {SharedState} from './state-mirror';

/** `runs`: with a shared state, the state dir first made what the bucket holds; then every run, newest first, and the fleet runs with their racks. */
export async function listRunsIn(
	stateDir: string,
	shared: SharedState | undefined,
	{json, console}: {json: boolean; console: CommandConsole},
): Promise<void> {
	try {
		if (shared) await pullUnlessDriven(stateDir, shared.mirror, console.warn);
	} finally {
		await shared?.close();
	}
	if (shared?.advice) console.warn(`! ${shared.advice}`);
	const {runs, fleets, unreadable} = await readRunListing(stateDir);
	console.print(runListingText({runs, fleets}, {json, where: shared?.mirror.backend.where ?? stateDir}));
	for (const {file, problem} of unreadable) console.warn(`! ${file} was not read: ${problem}`);
}
