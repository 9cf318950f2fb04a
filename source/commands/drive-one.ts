import type {LoadedConfig} from '../config/load-config';
import {secretReferencesOf} from '../config/secret-references';
import {createNotificationComposer} from '../services/notification-messages';
import {notifyingSink, type Notifier} from '../services/notifications';
import type {Rehearsal} from '../rehearsal/rehearsal';
import {stepRegistry} from '../steps/registry';
import type {FrontEnd} from '../ui/front-end';
import {UsageError} from '../core/errors';
import {rollbackTargetOf} from '../workflow/follow-up';
import type {InterruptRouter} from '../workflow/interrupts';
import {type JournalStore, runFiles} from '../workflow/journal-store';
import {createRun, firstUnfinishedStep, newRunId} from '../workflow/plan';
import {runModeOf, storedMode, type RunModel} from '../core/run-mode';
import {Runner, type RunOutcome} from '../workflow/runner';
import type {RollbackTarget, Run, RunKind} from '../core/types';
import type {RackDrive} from '../workflow/fleet/fleet-world';
import type {CommandInput} from './cli-options';
import {ACCOUNT_QUESTION, accountChoices} from './account-question';
import {acquireStackLock, lockTiming, type LockedStack, type StackLock} from '../workflow/stack-lock';
import type {Services} from '../core/ports';
import type {ImageHoldings} from '../workflow/report';

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
		message: ACCOUNT_QUESTION,
		choices: accountChoices(loaded.config.accounts),
		remedy: `--env NAME (one of ${names.join(', ')})`,
	});
}

/** What the next run of a session is: a new run of some kind, or an interrupted one to resume. */
export interface RunRequest {
	kind: RunKind;
	env?: string;
	convoxVersion?: string;
	releaseId?: string;
	rollbackOf?: RollbackTarget;
	/** A fleet's rack run stops at its preview as its fleet does, whatever this command's flags. */
	until?: 'preview';
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
	/** The config's `notify` targets, fed from every run's events. */
	notifier?: Notifier;
}

export function rollbackRequest(run: Run): RunRequest {
	const target = rollbackTargetOf(run);
	if (!target)
		throw new UsageError(`Run ${run.id} never changed its stack, so there is nothing to roll back.`, 'List runs with `convox-ami runs`.');
	return rollbackOf(run, target);
}

/** A rollback stays in the world of the run it undoes, and writes. */
export function rollbackOf(run: Run, target: RollbackTarget): RunRequest {
	return {
		kind: 'rollback',
		model: {world: runModeOf(run).world, readOnly: false},
		env: run.env,
		rollbackOf: target,
		...(run.releaseId ? {releaseId: run.releaseId} : {}),
	};
}

async function countImages(services: Services, where: {accountId: string; region: string; account: string}): Promise<ImageHoldings> {
	const {imageHoldings} = await import('../images/image-holdings');
	return imageHoldings((await services.aws()).ec2, where);
}

export async function driveOne(session: Session, request: RunRequest, rack?: RackDrive): Promise<RunOutcome> {
	const {input, loaded, frontEnd} = session;
	const {flags} = input;
	const resumeOf = request.resume;
	const env = resumeOf?.env ?? request.env ?? (await chooseEnv(input, loaded, frontEnd));
	const account = loaded.config.accounts[env];
	if (!account) throw new UsageError(`There is no account "${env}" in ${loaded.path} any more.`);
	const region = resumeOf?.options.region ?? flags.region ?? account.region ?? loaded.config.region;
	const convoxVersion = request.convoxVersion ?? flags.convoxVersion;
	const until = request.until ?? flags.until;
	let run =
		resumeOf ??
		createRun({
			id: newRunId(env),
			kind: request.kind,
			account: env,
			mode: storedMode(session.model),
			production: account.production,
			options: {
				region,
				dryRun: session.model.readOnly,
				confirm: flags.confirm,
				yes: flags.yes,
				...(convoxVersion ? {convoxVersion} : {}),
				...(until ? {until} : {}),
				...(rack?.prebuiltAmi ? {prebuiltAmi: rack.prebuiltAmi} : {}),
			},
			...(request.releaseId ? {releaseId: request.releaseId} : {}),
			...(request.rollbackOf ? {rollbackOf: request.rollbackOf} : {}),
		});
	if (!resumeOf && rack?.prebuiltAmi) {
		// The AMI was built by another run of the account: this run's template step has nothing to prepare.
		run = {...run, steps: run.steps.map(step => (step.id === 'template' ? {...step, status: 'skipped'} : step))};
	}
	if (resumeOf) {
		if (flags.convoxVersion && flags.convoxVersion !== resumeOf.options.convoxVersion) {
			throw new UsageError(
				`Run ${resumeOf.id} keeps the Convox version it started with; --convox-version cannot change it.`,
				'Start a new run to release another version.',
			);
		}
		run = {...run, options: {...run.options, confirm: [...new Set([...run.options.confirm, ...flags.confirm])], yes: flags.yes}};
	}
	const stackLock = await lockStack(session, {accountId: account.accountId, region, stackName: account.stackName}, run.id);
	try {
		return await driveLocked(session, request, run, rack, stackLock);
	} finally {
		await stackLock?.release();
	}
}

/** One run at a time per rack stack when the state is shared (S3); a local state dir is locked whole by drive-run. */
async function lockStack(session: Session, stack: LockedStack, runId: string): Promise<StackLock | undefined> {
	const {store, input, frontEnd} = session;
	if (!store.mirror) return undefined;
	const lock = await acquireStackLock(
		store.mirror.backend,
		stack,
		{runId, command: `convox-ami ${input.name}`},
		{timing: lockTiming(process.env, {rehearsal: session.model.world === 'rehearsal'}), onLost: message => frontEnd.say('warn', message)},
	);
	if (lock.takenOver) {
		const {user, host, pid, runId: heldFor, heartbeat} = lock.takenOver;
		frontEnd.say(
			'warn',
			`Took over the lock of ${stack.stackName} in ${store.mirror.backend.where}: ${user}@${host} pid ${pid} (run ${heldFor}) last renewed it at ${heartbeat}, longer ago than the lock's expiry.`,
		);
	}
	return lock;
}

async function driveLocked(
	session: Session,
	request: RunRequest,
	started: Run,
	rack?: RackDrive,
	stackLock?: StackLock,
): Promise<RunOutcome> {
	const {input, store, loaded, frontEnd, interrupts, rehearsal} = session;
	const {flags} = input;
	const resumeOf = request.resume;
	const run = started;
	const account = loaded.config.accounts[run.env]!;
	const {region} = run.options;
	if (!resumeOf) rack?.onCreated(run);
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
		environment: rehearsal ? rehearsal.environmentFor(account.accountId) : process.env,
		...(rehearsal ? {standIn: {endpoint: rehearsal.awsEndpoint, credentials: rehearsal.credentialsFor(account.accountId)}} : {}),
		...(rack ? {sharedPace: true} : {}),
		...(store.mirror ? {beforeAwsCall: () => store.journaled(), sharedState: store.mirror.backend.handOff} : {}),
	});
	const files = runFiles(input.stateDir, run.id);
	const {createRunSecrets} = await import('../services/run-secrets');
	const secrets = createRunSecrets(services.environment, session.typedSecrets, {
		references: secretReferencesOf(loaded.config, account),
		target: async () => ({
			clients: await services.aws(),
			region,
			accountId: account.accountId,
			signal: interrupts.signal,
			...(rehearsal ? {endpoint: rehearsal.awsEndpoint} : {}),
		}),
	});
	const sink = rack?.sink ?? frontEnd.sink;
	const runner = new Runner({
		run,
		steps: await stepRegistry(),
		store,
		sink: session.notifier
			? notifyingSink(sink, session.notifier, createNotificationComposer(account, rack?.resumeCommand), secrets)
			: sink,
		config: loaded.config,
		configDir: loaded.dir,
		account,
		flags: {
			...flags,
			env: run.env,
			confirm: run.options.confirm,
			dryRun: session.model.readOnly,
			rehearse: session.model.world === 'rehearsal',
			...(rack?.withholdApproval ? {approve: false, yes: false} : {}),
		},
		services,
		prompt: rack?.prompter ?? frontEnd.prompter,
		paths: {stateDir: input.stateDir, ...files},
		interrupts,
		secrets,
		...(resumeOf ? {resumed: {message: describeResume(resumeOf)}} : {}),
		...(rack?.stopAfter ? {stopAfter: rack.stopAfter} : {}),
		...(stackLock ? {lockLost: () => stackLock.lost()} : {}),
		...(rack?.resumeCommand ? {resumeCommand: rack.resumeCommand} : {}),
	});
	const outcome = await runner.drive();
	if (outcome.run.status === 'running') {
		await store.settled(outcome.run.id);
		return outcome;
	}
	const {writeReport} = await import('../workflow/write-report');
	// After a single release that changed something, one more read counts the account's AMIs (a fleet's racks skip it).
	const counted = outcome.run.kind === 'release' && outcome.run.status === 'finished' && !session.model.readOnly && !rack;
	const holdings = counted ? await countImages(services, {accountId: account.accountId, region, account: run.env}) : undefined;
	await writeReport(outcome.run, files.report, holdings);
	if (outcome.run.rollbackOf) {
		await store.record(outcome.run.rollbackOf.runId, {type: 'history', message: `Rollback run ${outcome.run.id} ${outcome.run.status}.`});
		await store.settled(outcome.run.rollbackOf.runId);
	}
	await store.settled(outcome.run.id);
	return outcome;
}
