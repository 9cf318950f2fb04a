import type {ExitCode} from '../core/errors';
import {runPrune, type PruneOutput} from '../images/run-prune';
import {detectOutputMode} from '../ui/output-mode';
import {createEnquirerPrompter} from '../ui/plain/enquirer-prompter';
import {createUnattendedPrompter} from '../ui/unattended-prompter';
import type {CommandInput} from '../core/command-input';
import {inImageWorld, warnOnStderr} from './image-world';

/** With --json, stdout stays a stream of objects: the words go to stderr, the tables nowhere. */
function pruneOutput(json: boolean): PruneOutput {
	const line = (stream: NodeJS.WriteStream) => (text: string) => stream.write(`${text}\n`);
	return {
		say: line(json ? process.stderr : process.stdout),
		warn: warnOnStderr,
		emit: event => {
			if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
		},
		show: json ? () => undefined : line(process.stdout),
	};
}

/** `convox-ami prune`: the plan, then (confirmed, journaled) the next stage of every retired image. */
export function pruneImages(input: CommandInput): Promise<ExitCode> {
	const {flags} = input;
	return inImageWorld(input, 'convox-ami prune', {lock: true}, world =>
		runPrune({
			world,
			stateDir: input.stateDir,
			flags,
			output: pruneOutput(flags.json),
			environment: process.env,
			prompter: () =>
				detectOutputMode({json: flags.json, yes: flags.yes}, process.env).canPrompt
					? createEnquirerPrompter(() => undefined)
					: createUnattendedPrompter({yes: flags.yes}),
		}),
	);
}
