import type {CommandInput} from '../core/command-input';
import type {ImageWorldRequest} from '../images/image-world';
import {processConsole} from './console';
import {startRehearsal} from './start-rehearsal';

/** Where `images` and `prune` run: the config's world, or the rehearsal's under --rehearse. */
export const imageWorldRequest = (input: CommandInput, command: string, {lock}: {lock: boolean}): ImageWorldRequest => ({
	stateDir: input.stateDir,
	configPath: input.configPath,
	flags: input.flags,
	command,
	lock,
	warn: processConsole.warn,
	startRehearsal,
});
