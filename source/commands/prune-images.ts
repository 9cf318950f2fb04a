import type {EC2Client} from '@aws-sdk/client-ec2';
import {carryOutPrune} from '../images/carry-out-prune';
import {formatPruneStep, formatPruneTable, pruneSummary, recycleBinLine} from '../images/format-prune';
import {recycleBinImageRules} from '../services/recycle-bin';
import {
	ensurePrunesDir,
	newPruneId,
	pruneSteps,
	savePrune,
	unfinishedPrune,
	type PruneJournal,
	type PruneStep,
} from '../images/prune-journal';
import {DEFAULT_KEEP, DEFAULT_MIN_AGE_DAYS, prunePlan, type PruneEntry} from '../images/prune-plan';
import type {Prompter} from '../core/prompter';
import {EXIT, InterruptedError, UsageError, type ExitCode} from '../core/errors';
import {detectOutputMode} from '../ui/output-mode';
import {createEnquirerPrompter} from '../ui/plain/enquirer-prompter';
import {createUnattendedPrompter} from '../ui/unattended-prompter';
import type {CommandInput} from './cli-options';
import {inImageWorld, readImages, type ImagesRead, type ImageWorld} from './image-world';

function selectionOf(input: CommandInput): string {
	const {env, fleet} = input.flags;
	return env ? `--env ${env}` : fleet ? `--fleet ${fleet}` : 'every account';
}

function say(input: CommandInput, line: string): void {
	// With --json, stdout stays a stream of objects: the words go to stderr.
	(input.flags.json ? process.stderr : process.stdout).write(`${line}\n`);
}

function emit(input: CommandInput, event: object): void {
	if (input.flags.json) process.stdout.write(`${JSON.stringify(event)}\n`);
}

function prompterFor(input: CommandInput): Prompter {
	const mode = detectOutputMode({json: input.flags.json, yes: input.flags.yes}, process.env);
	return mode.canPrompt ? createEnquirerPrompter(() => undefined) : createUnattendedPrompter({yes: input.flags.yes});
}

/** The plan confirmed: once, and for a production account by typing its id (unless --yes). */
async function confirm(world: ImageWorld, plan: PruneEntry[], prompter: Prompter, yes: boolean): Promise<void> {
	const changing = plan.filter(entry => entry.next);
	const go = await prompter.confirm({message: `Make these ${changing.length} change(s)?`, remedy: '--yes', defaultValue: false});
	if (!go)
		throw new InterruptedError('Nothing was changed.', 'Run `convox-ami prune` again when ready, or with --dry-run to see the plan only.');
	const production = [
		...new Set(
			changing
				.filter(entry => Object.values(world.config.accounts).some(account => account.accountId === entry.accountId && account.production))
				.map(entry => entry.accountId),
		),
	];
	if (production.length === 0 || yes) return;
	const expected = production.join(' ');
	await prompter.text({
		message: `${expected} ${production.length > 1 ? 'are PRODUCTION accounts' : 'is a PRODUCTION account'}. Type ${production.length > 1 ? 'their ids' : 'its id'} to prune:`,
		remedy: '--yes',
		validate: value => (value.trim() === expected ? undefined : `Type ${expected} exactly, or press Ctrl-C to stop`),
	});
}

function ec2Lookup(read: ImagesRead): (accountId: string, region: string) => EC2Client {
	return (accountId, region) => {
		const place = read.places.find(candidate => candidate.accountId === accountId && candidate.region === region);
		if (!place) throw new UsageError(`No credentials for ${accountId} ${region} in this prune's selection.`);
		return read.clients.get(place)!.ec2;
	};
}

/** Before a deregistration, for each account and region concerned: the Recycle Bin rules that would let it be undone, or that there are none. */
async function sayRecycleBin(input: CommandInput, world: ImageWorld, read: ImagesRead, plan: PruneEntry[]): Promise<void> {
	const endpoint = world.rehearsal ? world.rehearsal.awsEndpoint : (process.env.AWS_ENDPOINT_URL_RBIN ?? process.env.AWS_ENDPOINT_URL);
	for (const place of read.places) {
		if (!plan.some(entry => entry.next === 'deregister' && entry.accountId === place.accountId && entry.region === place.region)) continue;
		const rules = await recycleBinImageRules(read.clients.get(place)!.ec2, endpoint).catch((error: Error) => ({unread: error.message}));
		emit(input, {type: 'recycle-bin', accountId: place.accountId, region: place.region, ...('unread' in rules ? rules : {rules})});
		say(input, recycleBinLine(`${place.accountId} ${place.region}`, rules));
	}
}

/** `convox-ami prune`: the plan, then (confirmed, journaled) the next stage of every retired image. */
export function pruneImages(input: CommandInput): Promise<ExitCode> {
	const {flags} = input;
	return inImageWorld(input, 'convox-ami prune', {lock: true}, async world => {
		const worldName = world.rehearsal ? 'rehearsal' : 'live';
		const unfinished = await unfinishedPrune(input.stateDir, worldName);
		if (unfinished && unfinished.selection !== selectionOf(input) && !flags.dryRun) {
			throw new UsageError(
				`The prune ${unfinished.id} (${unfinished.selection}) was interrupted and is not finished.`,
				`Finish it first: convox-ami prune ${unfinished.selection === 'every account' ? '' : unfinished.selection}`.trimEnd(),
			);
		}
		// Only a prune of the same selection is continued (a dry run looks at another one without continuing it).
		const interrupted = unfinished?.selection === selectionOf(input) ? unfinished : undefined;
		const settings = {
			keep: interrupted?.keep ?? flags.keep ?? DEFAULT_KEEP,
			minAgeDays: interrupted?.minAgeDays ?? flags.minAgeDays ?? DEFAULT_MIN_AGE_DAYS,
			now: new Date(),
		};
		const read = await readImages(world, input);
		const plan = prunePlan(read.inventories, read.journal, settings);
		const onStep = (step: PruneStep) => {
			emit(input, {type: 'prune-step', ...step});
			if (!flags.json) process.stdout.write(`${formatPruneStep(step)}\n`);
		};
		let journal: PruneJournal;
		if (interrupted && !flags.dryRun) {
			say(
				input,
				`Continuing the interrupted prune ${interrupted.id} (started ${interrupted.startedAt}); its calls already made are not made again.`,
			);
			journal = interrupted;
		} else {
			for (const entry of plan) emit(input, {type: 'plan', ...entry});
			if (!flags.json) process.stdout.write(plan.length > 0 ? `${formatPruneTable(plan)}\n` : 'No AMI made by convox-ami here.\n');
			say(input, pruneSummary(plan));
			await sayRecycleBin(input, world, read, plan);
			if (!plan.some(entry => entry.next)) return EXIT.ok;
			if (flags.dryRun) {
				if (unfinished)
					say(
						input,
						`The interrupted prune ${unfinished.id} (${unfinished.selection}) is not finished: \`convox-ami prune\` continues it.`,
					);
				say(input, 'Dry run: nothing was changed.');
				return EXIT.ok;
			}
			await confirm(world, plan, prompterFor(input), flags.yes);
			await ensurePrunesDir(input.stateDir);
			journal = {
				schema: 1,
				id: newPruneId(settings.now),
				world: worldName,
				selection: selectionOf(input),
				keep: settings.keep,
				minAgeDays: settings.minAgeDays,
				startedAt: settings.now.toISOString(),
				status: 'running',
				steps: pruneSteps(plan),
			};
			savePrune(input.stateDir, journal);
		}
		await carryOutPrune({journal, plan, ec2For: ec2Lookup(read), stateDir: input.stateDir, now: settings.now, onStep});
		const count = (status: PruneStep['status']) => journal.steps.filter(step => step.status === status).length;
		const failed = count('failed');
		emit(input, {type: 'prune', id: journal.id, status: 'finished', done: count('done'), failed, skipped: count('skipped')});
		say(input, `Prune ${journal.id}: ${count('done')} done, ${failed} refused, ${count('skipped')} skipped.`);
		if (failed === 0) return EXIT.ok;
		say(input, 'The refused calls are named above: grant the permissions (docs/prune.md) and run `convox-ami prune` again.');
		return EXIT.failed;
	});
}
