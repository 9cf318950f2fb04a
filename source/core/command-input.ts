import type {Flags} from './step';

/** What commander hands over: the options of every command, before they are checked. */
export interface CliOptions {
	env?: string;
	config?: string;
	stateDir?: string;
	convoxVersion?: string;
	skipRequired?: boolean;
	region?: string;
	dryRun?: boolean;
	rehearse?: boolean;
	yes?: boolean;
	confirm: string[];
	json?: boolean;
	fleet?: string;
	state?: string;
	keep?: string;
	minAge?: string;
	until?: string;
	approve?: boolean;
}

export type CommandName = 'release' | 'resume' | 'checklist' | 'runs' | 'rollback' | 'plan' | 'images' | 'prune' | 'unlock' | 'template';

export interface CommandInput {
	name: CommandName;
	args: string[];
	flags: Flags;
	configPath?: string;
	stateDir: string;
	/** `--state s3://BUCKET/PREFIX`: the shared state, with the state dir as its working copy. */
	state?: string;
}

/** Where a command that draws no screen writes: `print` its output (stdout), `warn` a line about what it could not read or do (stderr). */
export interface CommandConsole {
	print(text: string): void;
	warn(line: string): void;
}
