import path from 'node:path';
import type {CliOptions, CommandInput, CommandName} from '../core/command-input';
import {EXIT, OperatorError, errorText, type ExitCode} from '../core/errors';
import {flagsOf} from '../workflow/command-flags';
import type {Flags} from '../core/step';
import type {SessionCommand} from '../workflow/session-world';

type Command = (input: CommandInput) => Promise<ExitCode>;

/** Each command but the release session's, loaded when it runs. */
const COMMANDS: Record<Exclude<CommandName, SessionCommand>, () => Promise<Command>> = {
	plan: async () => (await import('./print-plan')).printPlan,
	runs: async () => (await import('./list-runs')).listRuns,
	unlock: async () => (await import('./unlock')).unlock,
	images: async () => (await import('./list-images')).listImages,
	prune: async () => (await import('./prune-images')).pruneImages,
	template: async () => (await import('./upgrade-template')).upgradeTemplate,
};

const isSessionCommand = (name: CommandName): name is SessionCommand => !Object.hasOwn(COMMANDS, name);

function report(error: unknown, json: boolean): void {
	const message = errorText(error);
	const hint = error instanceof OperatorError ? error.hint : undefined;
	if (json) process.stdout.write(`${JSON.stringify({type: 'error', message, ...(hint ? {hint} : {})})}\n`);
	process.stderr.write(`convox-ami: ${message}\n${hint ? `${hint}\n` : ''}`);
}

export async function runCommand(name: CommandName, args: string[], options: CliOptions): Promise<ExitCode> {
	let flags: Flags | undefined;
	try {
		flags = flagsOf(name, args, options);
		const input: CommandInput = {
			name,
			args,
			flags,
			...(options.config ? {configPath: options.config} : {}),
			stateDir: path.resolve(options.stateDir ?? '.convox-ami'),
			...(options.state ? {state: options.state} : {}),
		};
		if (!isSessionCommand(name)) return await (await COMMANDS[name]())(input);
		const {driveRun} = await import('./drive-run');
		return await driveRun(input, name);
	} catch (error) {
		report(error, Boolean(flags?.json ?? options.json));
		return error instanceof OperatorError ? error.exitCode : EXIT.failed;
	}
}
