import type {CommandInput} from '../core/command-input';
import {EXIT, type ExitCode} from '../core/errors';
import {unlockByHand} from '../workflow/manual-unlock';
import {processConsole} from './console';
import {openSharedState} from './open-state';

/** `convox-ami unlock LOCK_ID`: releases by hand the rack lock a refusal named. */
export async function unlock(input: CommandInput): Promise<ExitCode> {
	await unlockByHand(input.args[0], () => openSharedState(input), {json: input.flags.json, console: processConsole});
	return EXIT.ok;
}
