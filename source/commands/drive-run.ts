import {existsSync} from 'node:fs';
import type {LoadedConfig} from '../config/load-config';
import type {Rehearsal} from '../rehearsal/rehearsal';
import {sessionBadges} from '../ui/format';
import {createFrontEnd, type FrontEnd} from '../ui/front-end';
import {detectOutputMode} from '../ui/output-mode';
import {EXIT, InterruptedError, OperatorError, UsageError, type ExitCode} from '../core/errors';
import {followUpOf} from '../workflow/follow-up';
import {JournalStore, runFiles} from '../workflow/journal-store';
import {fleetFiles, FleetStore, linkedRunIds, type FleetRun} from '../workflow/fleet/fleet-journal';
import {modelOfFlags, runModeOf} from '../core/run-mode';
import type {RunOutcome} from '../workflow/runner';
import {acquireStateLock, type StateLock} from '../workflow/state-lock';
import type {Run} from '../core/types';
import {wireSignals} from './signals';
import {createNotifier, type Notifier} from '../services/notifications';
import type {Outcome} from '../ui/run-store';
import {driveOne, rollbackOf, rollbackRequest, type RunRequest, type Session} from './drive-one';
import type {CommandInput} from './cli-options';
import {accountChoices, firstAccountQuestion} from './account-question';
import {openSharedState, type SharedState} from './open-state';

async function findRunToResume(store: JournalStore, runId: string | undefined, linked: Set<string>): Promise<Run> {
	if (runId) return store.load(runId);
	const {entries: runs, unreadable} = await store.list();
	// A run killed after its last journal write but before its report counts as unfinished; a fleet's runs are resumed with their fleet.
	const unfinished = runs.find(
		run => !linked.has(run.id) && (run.status !== 'finished' || !existsSync(runFiles(store.stateDir, run.id).report)),
	);
	if (!unfinished && unreadable.length > 0) {
		throw new UsageError(
			`No unfinished run in ${store.stateDir} that loads; ${unreadable.length === 1 ? 'this journal does' : 'these journals do'} not:\n${unreadable.map(({problem}) => `  - ${problem}`).join('\n')}`,
			'Move a corrupt journal aside (it was left as it is) or restore it from a backup, then run `convox-ami resume` again.',
		);
	}
	if (!unfinished)
		throw new UsageError(
			`No unfinished run in ${store.stateDir}.`,
			'Start one with `convox-ami release`, or list runs with `convox-ami runs`.',
		);
	return unfinished;
}

/** The guided release of a config with fleets: one account, or one fleet. */
async function chooseAccountOrFleet(loaded: LoadedConfig, frontEnd: FrontEnd): Promise<{account: string} | {fleet: string}> {
	const fleets = Object.entries(loaded.config.fleets ?? {});
	const picks = new Map<string, {account: string} | {fleet: string}>();
	const accounts = accountChoices(loaded.config.accounts).map((choice, index) => {
		picks.set(`account-${index}`, {account: choice.value});
		return {...choice, value: `account-${index}`};
	});
	const fleetChoices = fleets.map(([name, fleet], index) => {
		picks.set(`fleet-${index}`, {fleet: name});
		return {value: `fleet-${index}`, label: `Fleet ${name}`, hint: `${fleet.waves.flat().length} racks in ${fleet.waves.length} waves`};
	});
	const picked = await frontEnd.prompter.select({
		message: 'Which account, or which fleet?',
		choices: [...accounts, ...fleetChoices],
		remedy: '--env NAME or --fleet NAME',
	});
	return picks.get(picked)!;
}

async function firstRequest(input: CommandInput, store: JournalStore, linked: Set<string>): Promise<RunRequest> {
	switch (input.name) {
		case 'resume': {
			const run = await findRunToResume(store, input.args[0], linked);
			if (input.flags.env && input.flags.env !== run.env) throw new UsageError(`Run ${run.id} is for ${run.env}, not ${input.flags.env}.`);
			const model = runModeOf(run);
			if ((input.flags.dryRun && !model.readOnly) || (input.flags.rehearse && model.world !== 'rehearsal')) {
				throw new UsageError(
					`Run ${run.id} is a ${run.options.dryRun ? 'dry ' : ''}${run.mode} run; resume keeps its mode, so --dry-run and --rehearse cannot change it.`,
					'Start a new run for another mode.',
				);
			}
			return {kind: run.kind, resume: run, model};
		}
		case 'rollback':
			return rollbackRequest(await store.load(input.args[0]!));
		case 'checklist':
			return {kind: 'checklist'};
		default:
			return {kind: 'release'};
	}
}

/** The guided release goes on after a run as `followUpOf` decides; this only asks the operator. */
async function nextRequest(session: Session, request: RunRequest, outcome: RunOutcome): Promise<RunRequest | undefined> {
	const {input, loaded, frontEnd} = session;
	const {run} = outcome;
	if (!frontEnd.prompter.interactive) return undefined;
	const followUp = followUpOf(run, loaded.config, {guided: input.name === 'release' && !input.flags.env && !request.resume});
	if (!followUp) return undefined;
	if (followUp.kind === 'rollback') {
		const {target} = followUp;
		const back = await frontEnd.prompter.confirm({
			message: `Verification failed. Put ${loaded.config.accounts[run.env]!.stackName} back on Ami ${target.ami || '(stock)'} and Version ${target.version}, as before this run?`,
			remedy: `\`convox-ami rollback ${run.id}\``,
			defaultValue: false,
		});
		return back ? rollbackOf(run, target) : undefined;
	}
	const {convoxVersion, accounts, releaseId} = followUp;
	const stop = '__stop';
	const target = await frontEnd.prompter.select({
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
	return target === stop ? undefined : {kind: 'release', env: target, convoxVersion, releaseId};
}

/**
 * The fleet run `resume` continues: the one named, or the newest unfinished one when it is newer
 * than the newest unfinished run of its own. Undefined when a single run is to be resumed.
 */
async function findFleetToResume(input: CommandInput, store: JournalStore, fleets: FleetRun[]): Promise<FleetRun | undefined> {
	const id = input.args[0];
	if (id) return fleets.find(fleet => fleet.id === id);
	// A fleet stopped by its tolerance is unfinished too: once the cause is fixed, resume goes on with it.
	const unfinished = fleets.find(fleet => fleet.status !== 'finished' || !existsSync(fleetFiles(store.stateDir, fleet.id).report));
	if (!unfinished) return undefined;
	const linked = linkedRunIds(fleets);
	const {entries: runs} = await store.list();
	const single = runs.find(
		run => !linked.has(run.id) && (run.status !== 'finished' || !existsSync(runFiles(store.stateDir, run.id).report)),
	);
	return single && single.createdAt > unfinished.createdAt ? undefined : unfinished;
}

/** release, checklist, rollback and resume: lock the state dir, drive the runs of this session, report. */
export async function driveRun(input: CommandInput): Promise<ExitCode> {
	const {flags} = input;
	let lock: StateLock | undefined;
	let rehearsal: Rehearsal | undefined;
	let shared: SharedState | undefined;
	let notifier: Notifier | undefined;
	const signals = wireSignals(() => lock?.release());
	const {interrupts, onSignal} = signals;
	// The screen comes first so the operator sees it at once; config, SDK and steps load behind it.
	const frontEnd = await createFrontEnd(detectOutputMode({json: flags.json, yes: flags.yes}, process.env), {
		yes: flags.yes,
		onInterrupt: onSignal,
		badges: sessionBadges(modelOfFlags(flags)),
		question: firstAccountQuestion(input),
	});
	interrupts.signal.addEventListener('abort', () => frontEnd.interrupted());
	// Notifications still on their way are given their deadline before the last word.
	const end = async (outcome: Outcome) => {
		await notifier?.settled();
		await frontEnd.end(outcome);
	};
	try {
		shared = await openSharedState(input);
		if (shared) {
			// The working copy is locked before the bucket is pulled into it.
			lock = await acquireStateLock(input.stateDir, `convox-ami ${input.name}`);
			await shared.mirror.pull();
		}
		const store = new JournalStore(input.stateDir, shared?.mirror);
		const fleets = input.name === 'resume' ? (await new FleetStore(input.stateDir).list()).entries : [];
		const fleetToResume = input.name === 'resume' ? await findFleetToResume(input, store, fleets) : undefined;
		if (flags.fleet && input.name !== 'release')
			throw new UsageError(
				`--fleet goes with \`convox-ami release\`, not with ${input.name}.`,
				'A fleet run is resumed with `convox-ami resume`.',
			);
		let request: RunRequest | undefined = fleetToResume || flags.fleet ? undefined : await firstRequest(input, store, linkedRunIds(fleets));
		const model = fleetToResume
			? runModeOf({mode: fleetToResume.mode, options: {dryRun: fleetToResume.dryRun}})
			: (request?.model ?? modelOfFlags(flags));
		const rehearse = model.world === 'rehearsal';
		// A config that does not load leaves no trace, not even an empty state dir.
		const configured = rehearse ? undefined : await (await import('../config/load-config')).loadConfig(input.configPath);
		await store.ensureWritable();
		lock ??= await acquireStateLock(input.stateDir, `convox-ami ${input.name}`);
		const fleetName = fleetToResume?.fleet ?? flags.fleet;
		rehearsal = rehearse
			? await (
					await import('../rehearsal/rehearsal')
				).startRehearsal(input.stateDir, {
					...(fleetName ? {fleet: fleetName} : {}),
					...(shared?.rehearsalWorld ? {worldDir: shared.rehearsalWorld} : {}),
				})
			: undefined;
		const loaded = rehearsal?.config ?? configured!;
		if (loaded.config.notify?.length)
			notifier = createNotifier({targets: loaded.config.notify, environment: process.env, say: frontEnd.say});
		if (fleetToResume) frontEnd.attachFleet({fleet: fleetToResume.fleet, fleetRunId: fleetToResume.id});
		if (shared?.advice) frontEnd.say('warn', shared.advice);
		if (lock.takenOver)
			frontEnd.say(
				'warn',
				`Took over the lock of ${input.stateDir} left by pid ${lock.takenOver.pid} (${lock.takenOver.command}), which is no longer running.`,
			);
		const session: Session = {
			input,
			store,
			loaded,
			frontEnd,
			interrupts,
			model,
			typedSecrets: new Map(),
			...(notifier ? {notifier} : {}),
			...(rehearsal ? {rehearsal} : {}),
		};
		// A Ctrl-C while the screen and the config loaded (the first frame's question on the screen) stops here, not at a prompt.
		interrupts.signal.throwIfAborted();
		if (fleetName) {
			const {driveFleet} = await import('./drive-fleet');
			const ended = await driveFleet(session, fleetToResume ?? fleetName);
			await end(ended);
			return ended.exitCode;
		}
		if (
			request?.kind === 'release' &&
			!request.env &&
			!flags.env &&
			Object.keys(loaded.config.fleets ?? {}).length > 0 &&
			frontEnd.prompter.interactive
		) {
			const picked = await chooseAccountOrFleet(loaded, frontEnd);
			if ('fleet' in picked) {
				const {driveFleet} = await import('./drive-fleet');
				const ended = await driveFleet(session, picked.fleet);
				await end(ended);
				return ended.exitCode;
			}
			request = {...request, env: picked.account};
		}
		let outcome: RunOutcome | undefined;
		while (request) {
			outcome = await driveOne(session, request);
			request = await nextRequest(session, request, outcome);
		}
		await end({
			exitCode: outcome!.exitCode,
			...(outcome!.message ? {message: outcome!.message} : {}),
			...(outcome!.hint ? {hint: outcome!.hint} : {}),
			journal: runFiles(input.stateDir, outcome!.run.id).journal,
			report: runFiles(input.stateDir, outcome!.run.id).report,
		});
		return outcome!.exitCode;
	} catch (error) {
		const operatorError = error instanceof OperatorError ? error : interrupts.signal.aborted ? new InterruptedError() : undefined;
		await end({
			exitCode: operatorError?.exitCode ?? EXIT.failed,
			message: (operatorError ?? (error as Error)).message,
			...(operatorError?.hint ? {hint: operatorError.hint} : {}),
		});
		return operatorError?.exitCode ?? EXIT.failed;
	} finally {
		signals.release();
		await rehearsal?.stop();
		// Whatever ended the session, what was journaled reaches the shared state before it closes.
		await shared?.mirror.settled().catch(() => undefined);
		await shared?.close();
		lock?.release();
	}
}
