import type {EC2Client} from '@aws-sdk/client-ec2';
import {EXIT, InterruptedError, UsageError, errorText, type ExitCode} from '../core/errors';
import type {CommandConsole} from '../core/command-input';
import type {Flags} from '../core/step';
import type {Prompter} from '../core/prompter';
import {recycleBinImageRules} from '../services/recycle-bin';
import {carryOutPrune} from './carry-out-prune';
import {formatPruneStep, formatPruneTable, pruneSummary, recycleBinLine} from './format-prune';
import {ensurePrunesDir, newPruneId, pruneSteps, savePrune, unfinishedPrune, type PruneJournal, type PruneStep} from './prune-journal';
import {DEFAULT_KEEP, DEFAULT_MIN_AGE_DAYS, prunePlan, type PruneEntry} from './prune-plan';
import {readImages, type ImagesRead, type ImageWorld} from './read-images';

/**
 * Where a prune speaks: `say` a line for the operator, `emit` an event (--json), `show` what only the
 * plain output prints, `warn` what was not read.
 */
export interface PruneOutput {
	say(line: string): void;
	warn(line: string): void;
	emit(event: object): void;
	show(text: string): void;
}

/** A prune's output on a command's console. With --json, stdout stays a stream of objects: the words go to stderr, the tables nowhere. */
export function pruneOutputOn(console: CommandConsole, json: boolean): PruneOutput {
	const print = (text: string) => console.print(`${text}\n`);
	return {
		say: json ? console.warn : print,
		warn: console.warn,
		emit: event => {
			if (json) print(JSON.stringify(event));
		},
		show: json ? () => undefined : print,
	};
}

export interface PruneRequest {
	world: ImageWorld;
	stateDir: string;
	flags: Pick<Flags, 'env' | 'fleet' | 'region' | 'keep' | 'minAgeDays' | 'dryRun' | 'yes'>;
	/** Asked only once the plan is shown and something is to change. */
	prompter: () => Prompter;
	output: PruneOutput;
	/** The process environment: where the Recycle Bin answers outside a rehearsal. */
	environment: NodeJS.ProcessEnv;
}

function selectionOf({env, fleet}: PruneRequest['flags']): string {
	return env ? `--env ${env}` : fleet ? `--fleet ${fleet}` : 'every account';
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
async function sayRecycleBin(request: PruneRequest, read: ImagesRead, plan: PruneEntry[]): Promise<void> {
	const {world, environment, output} = request;
	const endpoint = world.rehearsal ? world.rehearsal.awsEndpoint : (environment.AWS_ENDPOINT_URL_RBIN ?? environment.AWS_ENDPOINT_URL);
	for (const place of read.places) {
		if (!plan.some(entry => entry.next === 'deregister' && entry.accountId === place.accountId && entry.region === place.region)) continue;
		const rules = await recycleBinImageRules(read.clients.get(place)!.ec2, endpoint).catch((error: unknown) => ({
			unread: errorText(error),
		}));
		output.emit({type: 'recycle-bin', accountId: place.accountId, region: place.region, ...('unread' in rules ? rules : {rules})});
		output.say(recycleBinLine(`${place.accountId} ${place.region}`, rules));
	}
}

/** `convox-ami prune`: the plan, then (confirmed, journaled) the next stage of every retired image; an interrupted prune of the same selection is continued. */
export async function runPrune(request: PruneRequest): Promise<ExitCode> {
	const {world, stateDir, flags, output} = request;
	const worldName = world.rehearsal ? 'rehearsal' : 'live';
	const selection = selectionOf(flags);
	const unfinished = await unfinishedPrune(stateDir, worldName);
	if (unfinished && unfinished.selection !== selection && !flags.dryRun) {
		throw new UsageError(
			`The prune ${unfinished.id} (${unfinished.selection}) was interrupted and is not finished.`,
			`Finish it first: convox-ami prune ${unfinished.selection === 'every account' ? '' : unfinished.selection}`.trimEnd(),
		);
	}
	// Only a prune of the same selection is continued (a dry run looks at another one without continuing it).
	const interrupted = unfinished?.selection === selection ? unfinished : undefined;
	const settings = {
		keep: interrupted?.keep ?? flags.keep ?? DEFAULT_KEEP,
		minAgeDays: interrupted?.minAgeDays ?? flags.minAgeDays ?? DEFAULT_MIN_AGE_DAYS,
		now: new Date(),
	};
	const read = await readImages(world, {stateDir, flags, warn: output.warn});
	const plan = prunePlan(read.inventories, read.journal, settings);
	const onStep = (step: PruneStep) => {
		output.emit({type: 'prune-step', ...step});
		output.show(formatPruneStep(step));
	};
	let journal: PruneJournal;
	if (interrupted && !flags.dryRun) {
		output.say(
			`Continuing the interrupted prune ${interrupted.id} (started ${interrupted.startedAt}); its calls already made are not made again.`,
		);
		journal = interrupted;
	} else {
		for (const entry of plan) output.emit({type: 'plan', ...entry});
		output.show(plan.length > 0 ? formatPruneTable(plan) : 'No AMI made by convox-ami here.');
		output.say(pruneSummary(plan));
		await sayRecycleBin(request, read, plan);
		if (!plan.some(entry => entry.next)) return EXIT.ok;
		if (flags.dryRun) {
			if (unfinished)
				output.say(`The interrupted prune ${unfinished.id} (${unfinished.selection}) is not finished: \`convox-ami prune\` continues it.`);
			output.say('Dry run: nothing was changed.');
			return EXIT.ok;
		}
		await confirm(world, plan, request.prompter(), flags.yes);
		await ensurePrunesDir(stateDir);
		journal = {
			schema: 1,
			id: newPruneId(settings.now),
			world: worldName,
			selection,
			keep: settings.keep,
			minAgeDays: settings.minAgeDays,
			startedAt: settings.now.toISOString(),
			status: 'running',
			steps: pruneSteps(plan),
		};
		savePrune(stateDir, journal);
	}
	await carryOutPrune({journal, plan, ec2For: ec2Lookup(read), stateDir, now: settings.now, onStep});
	const count = (status: PruneStep['status']) => journal.steps.filter(step => step.status === status).length;
	const failed = count('failed');
	output.emit({type: 'prune', id: journal.id, status: 'finished', done: count('done'), failed, skipped: count('skipped')});
	output.say(`Prune ${journal.id}: ${count('done')} done, ${failed} refused, ${count('skipped')} skipped.`);
	if (failed === 0) return EXIT.ok;
	output.say('The refused calls are named above: grant the permissions (docs/prune.md) and run `convox-ami prune` again.');
	return EXIT.failed;
}
