import type {CommandInput} from '../core/command-input';
import {EXIT, type ExitCode} from '../core/errors';
import {listRunsIn} from '../workflow/list-runs';
import {processConsole} from './console';
import {openSharedState} from './open-state';

/** `convox-ami runs`: every run in the journal, newest first, then the fleet runs with their racks. */
export async function listRuns(input: CommandInput): Promise<ExitCode> {
	await listRunsIn(input.stateDir, await openSharedState(input), {json: input.flags.json, console: processConsole});
	return EXIT.ok;
}
