import type {CommandInput} from '../core/command-input';
import type {ExitCode} from '../core/errors';
import {inImageWorld} from '../images/image-world';
import {pruneOutputOn, runPrune} from '../images/run-prune';
import {detectOutputMode} from '../ui/output-mode';
import {createEnquirerPrompter} from '../ui/plain/enquirer-prompter';
import {createUnattendedPrompter} from '../ui/unattended-prompter';
import {processConsole} from './console';
import {imageWorldRequest} from './image-world';

/** `convox-ami prune`: the plan, then (confirmed, journaled) the next stage of every retired image. */
export function pruneImages(input: CommandInput): Promise<ExitCode> {
	const {flags} = input;
	return inImageWorld(imageWorldRequest(input, 'convox-ami prune', {lock: true}), world =>
		runPrune({
			world,
			stateDir: input.stateDir,
			flags,
			output: pruneOutputOn(processConsole, flags.json),
			environment: process.env,
			prompter: () =>
				detectOutputMode({json: flags.json, yes: flags.yes}, process.env).canPrompt
					? createEnquirerPrompter(() => undefined)
					: createUnattendedPrompter({yes: flags.yes}),
		}),
	);
}
