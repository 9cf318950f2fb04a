import {existsSync} from 'node:fs';
import type {LoadedConfig} from '../config/load-config';
import type {Rehearsal} from '../rehearsal/rehearsal';
import {stepRegistry} from '../steps/registry';
import {sessionBadges} from '../ui/format';
import {createFrontEnd, type FrontEnd} from '../ui/front-end';
import {detectOutputMode} from '../ui/output-mode';
import {EXIT, InterruptedError, OperatorError, UsageError, type ExitCode} from '../workflow/errors';
import {followUpOf, rollbackTargetOf} from '../workflow/follow-up';
import type {InterruptRouter} from '../workflow/interrupts';
import {JournalStore, runFiles} from '../workflow/journal-store';
import {createRun, firstUnfinishedStep, newRunId} from '../workflow/plan';
import {fleetFiles, FleetStore, linkedRunIds, type FleetRun} from '../workflow/fleet/fleet-journal';
import {modelOfFlags, runModeOf, storedMode, type RunModel} from '../workflow/run-mode';
import {Runner, type EventSink, type RunOutcome} from '../workflow/runner';
import type {Prompter} from '../workflow/step';
import {acquireStateLock, type StateLock} from '../workflow/state-lock';
import type {PrebuiltAmi, RollbackTarget, Run, RunKind, StepId} from '../workflow/types';
import type {CommandInput} from './run-command';
import {wireSignals} from './signals';

async function findRunToResume(store: JournalStore, runId: string | undefined, linked: Set<string>): Promise<Run> {
	if (runId) return store.load(runId);
	const {runs, unreadable} = await store.list();
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

function describeResume(run: Run): string {
	const step = run.steps.find(record => record.id === firstUnfinishedStep(run));
	if (!step) return `Resumed run ${run.id}: every step is done.`;
	const before =
		step.status === 'running'
			? `it was running when the process stopped (${run.status === 'running' ? 'killed or crashed' : run.status}); it is reconciled with the world before anything is repeated`
			: step.status === 'pending'
				? 'it had not started'
				: `it had ${step.status}${step.error ? `: ${step.error.split('\n')[0]}` : ''}`;
	return `Resumed at ${step.id}: ${before}.`;
}

async function chooseEnv(input: CommandInput, loaded: LoadedConfig, frontEnd: FrontEnd): Promise<string> {
	const names = Object.keys(loaded.config.accounts);
	if (input.flags.env) {
		if (!loaded.config.accounts[input.flags.env])
			throw new UsageError(`No account "${input.flags.env}" in ${loaded.path}; it has ${names.join(', ')}.`);
		return input.flags.env;
	}
	if (names.length === 1 && !frontEnd.prompter.interactive) return names[0]!;
	return frontEnd.prompter.select({
		message: 'Which account?',
		choices: accountChoices(loaded),
		remedy: `--env NAME (one of ${names.join(', ')})`,
	});
}

function accountChoices(loaded: LoadedConfig): Array<{value: string; label: string; hint: string}> {
	return Object.entries(loaded.config.accounts).map(([name, account]) => ({
		value: name,
		label: name,
		hint: `${account.accountId} · ${account.stackName}${account.production ? ' · PRODUCTION' : ''}`,
	}));
}

/** The guided release of a config with fleets: one account, or one fleet. */
async function chooseAccountOrFleet(loaded: LoadedConfig, frontEnd: FrontEnd): Promise<{account: string} | {fleet: string}> {
	const fleets = Object.entries(loaded.config.fleets ?? {});
	const picks = new Map<string, {account: string} | {fleet: string}>();
	const accounts = accountChoices(loaded).map((choice, index) => {
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

/** What the next run of a session is: a new run of some kind, or an interrupted one to resume. */
export interface RunRequest {
	kind: RunKind;
	env?: string;
	convoxVersion?: string;
	releaseId?: string;
	rollbackOf?: RollbackTarget;
	resume?: Run;
	/** What a resumed run or a rollback keeps from the run it continues or undoes. */
	model?: RunModel;
}

export interface Session {
	input: CommandInput;
	store: JournalStore;
	loaded: LoadedConfig;
	frontEnd: FrontEnd;
	interrupts: InterruptRouter;
	rehearsal?: Rehearsal;
	model: RunModel;
	/** Secrets typed at a prompt, kept for every run of the session (a fleet's racks, a promotion): asked once. */
	typedSecrets: Map<string, string>;
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
		env: run.env,
		rollbackOf: target,
		...(run.releaseId ? {releaseId: run.releaseId} : {}),
	};
}

/** How a fleet drives one rack's run: its own sink and prompter, maybe the AMI its account built, maybe only up to the build. */
export interface RackDrive {
	sink: EventSink;
	prompter: Prompter;
	stopAfter?: StepId;
	prebuiltAmi?: PrebuiltAmi;
	/** Called with a new run before its journal is written: the fleet links it first. */
	onCreated(run: Run): void;
}

export async function driveOne(session: Session, request: RunRequest, rack?: RackDrive): Promise<RunOutcome> {
	const {input, store, loaded, frontEnd, interrupts, rehearsal} = session;
	const {flags} = input;
	const resumeOf = request.resume;
	const env = resumeOf?.env ?? request.env ?? (await chooseEnv(input, loaded, frontEnd));
	const account = loaded.config.accounts[env];
	if (!account) throw new UsageError(`There is no account "${env}" in ${loaded.path} any more.`);
	const region = resumeOf?.options.region ?? flags.region ?? account.region ?? loaded.config.region;
	const convoxVersion = request.convoxVersion ?? flags.convoxVersion;
	let run =
		resumeOf ??
		createRun({
			id: newRunId(env),
			kind: request.kind,
			env,
			mode: storedMode(session.model),
			production: account.production,
			options: {
				region,
				dryRun: session.model.readOnly,
				confirm: flags.confirm,
				yes: flags.yes,
				...(convoxVersion ? {convoxVersion} : {}),
				...(rack?.prebuiltAmi ? {prebuiltAmi: rack.prebuiltAmi} : {}),
			},
			...(request.releaseId ? {releaseId: request.releaseId} : {}),
			...(request.rollbackOf ? {rollbackOf: request.rollbackOf} : {}),
		});
	if (!resumeOf && rack?.prebuiltAmi) {
		// The AMI was built by another run of the account: this run's template step has nothing to prepare.
		run = {...run, steps: run.steps.map(step => (step.id === 'template' ? {...step, status: 'skipped'} : step))};
	}
	if (!resumeOf) rack?.onCreated(run);
	if (resumeOf) {
		if (flags.convoxVersion && flags.convoxVersion !== resumeOf.options.convoxVersion) {
			throw new UsageError(
				`Run ${resumeOf.id} keeps the Convox version it started with; --convox-version cannot change it.`,
				'Start a new run to release another version.',
			);
		}
		run = {...run, options: {...run.options, confirm: [...new Set([...run.options.confirm, ...flags.confirm])], yes: flags.yes}};
	}
	store.save(run);
	if (!rack) frontEnd.attach(run);
	if (request.rollbackOf && !resumeOf) {
		await store.record(request.rollbackOf.runId, {
			type: 'history',
			message: `Rollback run ${run.id} started: ${account.stackName} back to Ami ${request.rollbackOf.ami || '(stock)'} and Version ${request.rollbackOf.version}.`,
		});
	}

	const {createServices} = await import('../services/create-services');
	const services = createServices({
		config: loaded.config,
		configDir: loaded.dir,
		account,
		region,
		env: rehearsal ? rehearsal.envFor(account.accountId) : process.env,
		...(rehearsal ? {standIn: {endpoint: rehearsal.awsEndpoint, credentials: rehearsal.credentialsFor(account.accountId)}} : {}),
		...(rack ? {sharedPace: true} : {}),
	});
	const files = runFiles(input.stateDir, run.id);
	const {createRunSecrets} = await import('../services/run-secrets');
	const runner = new Runner({
		run,
		steps: await stepRegistry(),
		store,
		sink: rack?.sink ?? frontEnd.sink,
		config: loaded.config,
		configDir: loaded.dir,
		account,
		flags: {...flags, env, confirm: run.options.confirm, dryRun: session.model.readOnly, rehearse: session.model.world === 'rehearsal'},
		services,
		prompt: rack?.prompter ?? frontEnd.prompter,
		paths: {stateDir: input.stateDir, ...files},
		interrupts,
		secrets: createRunSecrets(services.env, session.typedSecrets),
		...(resumeOf ? {resumed: {message: describeResume(resumeOf)}} : {}),
		...(rack?.stopAfter ? {stopAfter: rack.stopAfter} : {}),
	});
	const outcome = await runner.drive();
	if (outcome.run.status === 'running') return outcome;
	const {writeReport} = await import('../workflow/write-report');
	await writeReport(outcome.run, files.report);
	if (outcome.run.rollbackOf) {
		await store.record(outcome.run.rollbackOf.runId, {type: 'history', message: `Rollback run ${outcome.run.id} ${outcome.run.status}.`});
	}
	return outcome;
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
	const {runs} = await store.list();
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
	const signals = wireSignals(() => lock?.release());
	const {interrupts, onSignal} = signals;
	// The screen comes first so the operator sees it at once; config, SDK and steps load behind it.
	const frontEnd = await createFrontEnd(detectOutputMode({json: flags.json, yes: flags.yes}, process.env), {
		yes: flags.yes,
		onInterrupt: onSignal,
		badges: sessionBadges(modelOfFlags(flags)),
	});
	interrupts.signal.addEventListener('abort', () => frontEnd.interrupted());
	try {
		const store = new JournalStore(input.stateDir);
		const {fleets} = input.name === 'resume' ? await new FleetStore(input.stateDir).list() : {fleets: []};
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
		lock = await acquireStateLock(input.stateDir, `convox-ami ${input.name}`);
		const fleetName = fleetToResume?.fleet ?? flags.fleet;
		rehearsal = rehearse
			? await (await import('../rehearsal/rehearsal')).startRehearsal(input.stateDir, fleetName ? {fleet: fleetName} : {})
			: undefined;
		const loaded = rehearsal?.config ?? configured!;
		if (fleetToResume) frontEnd.attachFleet({fleet: fleetToResume.fleet, fleetRunId: fleetToResume.id});
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
			...(rehearsal ? {rehearsal} : {}),
		};
		if (fleetName) {
			const {driveFleet} = await import('./drive-fleet');
			const ended = await driveFleet(session, fleetToResume ?? fleetName);
			await frontEnd.end(ended);
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
				await frontEnd.end(ended);
				return ended.exitCode;
			}
			request = {...request, env: picked.account};
		}
		let outcome: RunOutcome | undefined;
		while (request) {
			outcome = await driveOne(session, request);
			request = await nextRequest(session, request, outcome);
		}
		await frontEnd.end({
			exitCode: outcome!.exitCode,
			...(outcome!.message ? {message: outcome!.message} : {}),
			...(outcome!.hint ? {hint: outcome!.hint} : {}),
			journal: runFiles(input.stateDir, outcome!.run.id).journal,
			report: runFiles(input.stateDir, outcome!.run.id).report,
		});
		return outcome!.exitCode;
	} catch (error) {
		const operatorError = error instanceof OperatorError ? error : interrupts.signal.aborted ? new InterruptedError() : undefined;
		await frontEnd.end({
			exitCode: operatorError?.exitCode ?? EXIT.failed,
			message: (operatorError ?? (error as Error)).message,
			...(operatorError?.hint ? {hint: operatorError.hint} : {}),
		});
		return operatorError?.exitCode ?? EXIT.failed;
	} finally {
		signals.release();
		await rehearsal?.stop();
		lock?.release();
	}
}
