process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import {Command, CommanderError, Option} from 'commander';
import {version} from './package.json';
import type {CliOptions, CommandName} from './source/core/command-input';

// Only commander is loaded up front: --help and --version answer before Ink, React or the AWS SDK.

const USAGE_EXIT = 2;

function collect(value: string, previous: string[]): string[] {
	return [...previous, value];
}

function withCommonOptions(command: Command): Command {
	return command
		.addOption(new Option('--env <name>', 'the account from the config (dev, prod, ...); skips the account prompt'))
		.addOption(new Option('--config <path>', 'config file').default(undefined, 'convox-ami.config.json'))
		.addOption(new Option('--state-dir <dir>', 'where runs are journaled').default(undefined, '.convox-ami'))
		.addOption(new Option('--state <url>', 'keep runs and rack locks in S3 (s3://BUCKET/PREFIX); the state dir is its working copy'))
		.addOption(
			new Option(
				'--convox-version <version>',
				"pin the Convox version instead of Convox's rule (the first required version after the stack's, else the newest published)",
			),
		)
		.addOption(new Option('--skip-required', 'with --yes, allow a pinned version that jumps over a required one'))
		.addOption(new Option('--region <region>', "override the config's region"))
		.addOption(new Option('--dry-run', 'read-only: every read happens, every write is shown, none is made'))
		.addOption(new Option('--rehearse', 'the whole flow offline against local stand-ins; never touches AWS'))
		.addOption(new Option('--yes', 'no prompts: confirmations are taken as given'))
		.addOption(new Option('--confirm <id>', 'mark a manual checklist item as confirmed (repeatable)').argParser(collect).default([]))
		.addOption(new Option('--json', 'one JSON event per line on stdout'))
		.addOption(new Option('--until <stop>', 'release: stop once the change set is shown (preview), waiting for approval (exit 3)'))
		.addOption(new Option('--approve', 'resume: execute the change set previewed by `release --until preview`'))
		.addOption(new Option('--fleet <name>', 'release every rack of the named fleet in its waves (images: list its accounts and regions)'))
		.addOption(new Option('--keep <n>', 'prune: keep the newest N AMIs per account and region (default 3)'))
		.addOption(new Option('--min-age <days>', 'prune: keep AMIs younger than this many days (default 30)'));
}

async function dispatch(name: CommandName, args: string[], options: CliOptions): Promise<void> {
	const {runCommand} = await import('./source/commands/run-command');
	process.exitCode = await runCommand(name, args, options);
}

function buildProgram(): Command {
	const program = new Command('convox-ami')
		.description('Build a custom AMI for a Convox rack with Packer, roll it out to the rack stack, and verify it.')
		.version(version, '-v, --version')
		.showHelpAfterError()
		.exitOverride()
		.addHelpText(
			'after',
			`
Flags of every command (details: convox-ami release --help):
  --env NAME  --config PATH  --state-dir DIR  --state s3://BUCKET/PREFIX  --convox-version V  --region R
  --skip-required  --dry-run  --rehearse  --yes  --confirm ID  --json  --fleet NAME
  --keep N  --min-age DAYS (prune)
  --until preview  --approve

Exit codes: 0 finished, 1 a step failed (resume continues), 2 usage/config/input error,
3 waiting on a manual confirmation, 130 interrupted (resume continues).

Try it without AWS: convox-ami --rehearse`,
		);
	const commands: Array<[CommandName, string, string, boolean?]> = [
		['release', '', 'guided release: account, version, template, build, stack update, verification', true],
		['resume', '[run-id]', 'continue an interrupted run (the newest unfinished one by default)'],
		['checklist', '', 'the verification checklist alone, against the stack as it is now'],
		['runs', '', 'the runs in the journal'],
		['rollback', '<run-id>', 'put the stack back on the Ami and Version it had before that run'],
		['plan', '', 'print the release procedure a run would follow, as Markdown'],
		['images', '', 'every AMI this tool made, per account and region, with where it is used'],
		['unlock', '<lock-id>', 'release by hand a rack lock of the S3 state (the id a refusal printed)'],
		['prune', '', 'retire old AMIs in stages (deprecate, disable, deregister), never one in use'],
		[
			'template',
			'<action>',
			'template upgrade: the JSON Packer template to HCL2 (packer hcl2_upgrade), shown and checked before it is written',
		],
	];
	for (const [name, argument, description, isDefault] of commands) {
		const command = program
			.command(`${name}${argument ? ` ${argument}` : ''}`, {isDefault: isDefault ?? false})
			.description(description)
			.exitOverride();
		withCommonOptions(command).action(async (...parameters: unknown[]) => {
			const options = parameters.at(-2) as CliOptions;
			const args = parameters.slice(0, -2).filter((value): value is string => typeof value === 'string');
			await dispatch(name, args, options);
		});
	}
	return program;
}

if (process.argv[2] === '__rehearsal') {
	// The rehearsal's stand-ins for packer and convox run through this CLI (see source/rehearsal).
	const {runRehearsalTool} = await import('./source/rehearsal/tools');
	process.exitCode = await runRehearsalTool(process.argv.slice(3));
} else if (process.argv[2] === '__packer-keeper') {
	// The detached process that runs Packer and keeps its output (see source/services/packer/keeper).
	const {runKeeper} = await import('./source/services/packer/keeper');
	process.exitCode = await runKeeper(process.stdin);
} else {
	await parseCommandLine();
}

/** Where the first word that is neither a flag nor a flag's value stands in `words`, or -1. */
function commandWordIndex(words: string[], program: Command): number {
	const takesValue = new Set(
		program.commands
			.flatMap(command => command.options)
			.filter(option => option.required || option.optional)
			.map(option => option.long),
	);
	for (let index = 0; index < words.length; index++) {
		const word = words[index]!;
		if (word === '--') return -1;
		if (!word.startsWith('-')) return index;
		if (takesValue.has(word)) index++;
	}
	return -1;
}

async function parseCommandLine(): Promise<void> {
	const program = buildProgram();
	const words = process.argv.slice(2);
	const at = commandWordIndex(words, program);
	const word = words[at];
	// `release` is the default command, so commander would read an unknown command as its argument.
	if (word && word !== 'help' && !program.commands.some(command => command.name() === word)) {
		process.stderr.write(`error: unknown command '${word}'\n\n${program.helpInformation()}`);
		process.exitCode = USAGE_EXIT;
		return;
	}
	// Commander reads a command's flags only after the command: flags before it move behind it.
	const ordered = word ? [word, ...words.slice(0, at), ...words.slice(at + 1)] : words;
	try {
		await program.parseAsync(ordered, {from: 'user'});
	} catch (error) {
		if (!(error instanceof CommanderError)) throw error;
		const answered = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help';
		process.exitCode = answered ? 0 : USAGE_EXIT;
	}
}
