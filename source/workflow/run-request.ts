import {existsSync} from 'node:fs';
import type {LoadedConfig} from '../config/load-config';
import {UsageError} from '../core/errors';
import type {Prompter} from '../core/prompter';
import {modelOfFlags, runModeOf, type RunModel} from '../core/run-mode';
import type {RollbackTarget, Run, RunKind} from '../core/types';
import {fleetFiles, FleetStore, linkedRunIds, type FleetRun} from './fleet/fleet-journal';
import {followUpOf, rollbackTargetOf} from './follow-up';
import {runFiles, type JournalStore} from './journal-store';
import type {RunOutcome} from './runner';
import type {SessionInput} from './session-world';

/** What the next run of a session is: a new run of some kind, or an interrupted one to resume. */
export interface RunRequest {
	kind: RunKind;
	/** The account of a new run, when it is known before the operator is asked. */
	account?: string;
	convoxVersion?: string;
	releaseId?: string;
	rollbackOf?: RollbackTarget;
	/** A fleet's rack run stops at its preview as its fleet does, whatever this command's flags. */
	until?: 'preview';
	resume?: Run;
	/** What a resumed run or a rollback keeps from the run it continues or undoes. */
	model?: RunModel;
}

/** What a session starts with: a fleet (new, or a fleet run to resume), or its first run; and the mode it runs in. */
export interface SessionStart {
	model: RunModel;
	fleet?: {name: string; resume?: FleetRun};
	request?: RunRequest;
}

export function rollbackRequest(run: Run): RunRequest {
	const target = rollbackTargetOf(run);
	if (!target)
		throw new UsageError(`Run ${run.id} never changed its stack, so there is nothing to roll back.`, 'List runs with `convox-ami runs`.');
	return rollbackOf(run, target);
}

/** A rollback stays in the world of the run it undoes, and writes. */
function rollbackOf(run: Run, target: RollbackTarget): RunRequest {
	return {
		kind: 'rollback',
		model: {world: runModeOf(run).world, readOnly: false},
		account: run.env,
		rollbackOf: target,
		...(run.releaseId ? {releaseId: run.releaseId} : {}),
	};
}

/** A run killed after its last journal write but before its report counts as unfinished. */
const unfinished = (store: JournalStore, run: Run) => run.status !== 'finished' || !existsSync(runFiles(store.stateDir, run.id).report);

async function findRunToResume(store: JournalStore, runId: string | undefined, linked: Set<string>): Promise<Run> {
	if (runId) return store.load(runId);
	const {entries: runs, unreadable} = await store.list();
	// A fleet's runs are resumed with their fleet.
	const found = runs.find(run => !linked.has(run.id) && unfinished(store, run));
	if (!found && unreadable.length > 0) {
		throw new UsageError(
			`No unfinished run in ${store.stateDir} that loads; ${unreadable.length === 1 ? 'this journal does' : 'these journals do'} not:\n${unreadable.map(({problem}) => `  - ${problem}`).join('\n')}`,
			'Move a corrupt journal aside (it was left as it is) or restore it from a backup, then run `convox-ami resume` again.',
		);
	}
	if (!found)
		throw new UsageError(
			`No unfinished run in ${store.stateDir}.`,
			'Start one with `convox-ami release`, or list runs with `convox-ami runs`.',
		);
	return found;
}

/**
 * The fleet run `resume` continues: the one named, or the newest unfinished one when it is newer
 * than the newest unfinished run of its own. Undefined when a single run is to be resumed.
 */
async function findFleetToResume(runId: string | undefined, store: JournalStore, fleets: FleetRun[]): Promise<FleetRun | undefined> {
	if (runId) return fleets.find(fleet => fleet.id === runId);
	// A fleet stopped by its tolerance is unfinished too: once the cause is fixed, resume goes on with it.
	const fleet = fleets.find(entry => entry.status !== 'finished' || !existsSync(fleetFiles(store.stateDir, entry.id).report));
	if (!fleet) return undefined;
	const linked = linkedRunIds(fleets);
	const {entries: runs} = await store.list();
	const single = runs.find(run => !linked.has(run.id) && unfinished(store, run));
	return single && single.createdAt > fleet.createdAt ? undefined : fleet;
}

async function firstRequest(input: SessionInput, store: JournalStore, linked: Set<string>): Promise<RunRequest> {
	switch (input.command) {
		case 'resume': {
			const {flags} = input;
			const run = await findRunToResume(store, input.runId, linked);
			if (flags.env && flags.env !== run.env) throw new UsageError(`Run ${run.id} is for ${run.env}, not ${flags.env}.`);
			const model = runModeOf(run);
			if ((flags.dryRun && !model.readOnly) || (flags.rehearse && model.world !== 'rehearsal')) {
				throw new UsageError(
					`Run ${run.id} is a ${run.options.dryRun ? 'dry ' : ''}${run.mode} run; resume keeps its mode, so --dry-run and --rehearse cannot change it.`,
					'Start a new run for another mode.',
				);
			}
			return {kind: run.kind, resume: run, model};
		}
		case 'rollback':
			return rollbackRequest(await store.load(input.runId!));
		case 'checklist':
			return {kind: 'checklist'};
		default:
			return {kind: 'release'};
	}
}

/** What the command line asks for, read from the journals before the config loads (the mode decides which config). */
export async function sessionStart(input: SessionInput, store: JournalStore): Promise<SessionStart> {
	const {flags} = input;
	const resuming = input.command === 'resume';
	const fleets = resuming ? (await new FleetStore(input.stateDir).list()).entries : [];
	const fleetToResume = resuming ? await findFleetToResume(input.runId, store, fleets) : undefined;
	if (flags.fleet && input.command !== 'release')
		throw new UsageError(
			`--fleet goes with \`convox-ami release\`, not with ${input.command}.`,
			'A fleet run is resumed with `convox-ami resume`.',
		);
	if (fleetToResume)
		return {
			model: runModeOf({mode: fleetToResume.mode, options: {dryRun: fleetToResume.dryRun}}),
			fleet: {name: fleetToResume.fleet, resume: fleetToResume},
		};
	if (flags.fleet) return {model: modelOfFlags(flags), fleet: {name: flags.fleet}};
	const request = await firstRequest(input, store, linkedRunIds(fleets));
	return {model: request.model ?? modelOfFlags(flags), request};
}

/** The guided release goes on after a run as `followUpOf` decides; this only asks the operator. */
export async function nextRequest(
	{input, loaded, prompter}: {input: SessionInput; loaded: LoadedConfig; prompter: Prompter},
	request: RunRequest,
	{run}: RunOutcome,
): Promise<RunRequest | undefined> {
	if (!prompter.interactive) return undefined;
	const followUp = followUpOf(run, loaded.config, {guided: input.command === 'release' && !input.flags.env && !request.resume});
	if (!followUp) return undefined;
	if (followUp.kind === 'rollback') {
		const {target} = followUp;
		const back = await prompter.confirm({
			message: `Verification failed. Put ${loaded.config.accounts[run.env]!.stackName} back on Ami ${target.ami || '(stock)'} and Version ${target.version}, as before this run?`,
			remedy: `\`convox-ami rollback ${run.id}\``,
			defaultValue: false,
		});
		return back ? rollbackOf(run, target) : undefined;
	}
	const {convoxVersion, accounts, releaseId} = followUp;
	const stop = '__stop';
	const target = await prompter.select({
		message: `${run.env} is released and verified. Promote Convox ${convoxVersion} to production? The AMI is built again there, versioned by the short git SHA: commit the template first.`,
		choices: [
			...accounts.map(name => ({
				value: name,
				label: `Promote to ${name}`,
				hint: `${loaded.config.accounts[name]!.accountId} · ${loaded.config.accounts[name]!.stackName}`,
			})),
			{value: stop, label: 'Stop here', hint: `\`convox-ami release --env NAME --convox-version ${convoxVersion}\` later`},
		],
		remedy: '`convox-ami release --env NAME` for each account',
		// The first choice starts a production release.
		noDefault: true,
	});
	return target === stop ? undefined : {kind: 'release', account: target, convoxVersion, releaseId};
}
