import {UsageError} from '../core/errors';
import {storedMode} from '../core/run-mode';
import type {Run} from '../core/types';
import type {RackDrive} from './fleet/fleet-world';
import {runFiles} from './journal-store';
import {createRun, firstUnfinishedStep, newRunId} from './plan';
import type {RunRequest} from './run-request';
import {Runner, type RunOutcome} from './runner';
import type {SessionContext} from './session-world';
import {acquireStackLock, lockTiming, type LockedStack, type StackLock} from './stack-lock';
import {chooseAccount} from './account-choice';

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

/** One run of a session, new or resumed, in its rack stack's lock; a fleet's rack when `rack` says how. */
export async function driveOne(session: SessionContext, request: RunRequest, rack?: RackDrive): Promise<RunOutcome> {
	const {input, world, screen} = session;
	const {loaded} = world;
	const {flags} = input;
	const resumeOf = request.resume;
	const accountName = resumeOf?.env ?? request.account ?? (await chooseAccount(flags.env, loaded, screen.prompter));
	const account = loaded.config.accounts[accountName];
	if (!account) throw new UsageError(`There is no account "${accountName}" in ${loaded.path} any more.`);
	const region = resumeOf?.options.region ?? flags.region ?? account.region ?? loaded.config.region;
	const convoxVersion = request.convoxVersion ?? flags.convoxVersion;
	const until = request.until ?? flags.until;
	let run =
		resumeOf ??
		createRun({
			id: newRunId(accountName),
			kind: request.kind,
			account: accountName,
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

/** One run at a time per rack stack when the state is shared (S3); a local state dir is locked whole by the command. */
async function lockStack(session: SessionContext, stack: LockedStack, runId: string): Promise<StackLock | undefined> {
	const {store, input, screen} = session;
	if (!store.mirror) return undefined;
	const lock = await acquireStackLock(
		store.mirror.backend,
		stack,
		{runId, command: `convox-ami ${input.command}`},
		{timing: lockTiming(process.env, {rehearsal: session.model.world === 'rehearsal'}), onLost: message => screen.say('warn', message)},
	);
	if (lock.takenOver) {
		const {user, host, pid, runId: heldFor, heartbeat} = lock.takenOver;
		screen.say(
			'warn',
			`Took over the lock of ${stack.stackName} in ${store.mirror.backend.where}: ${user}@${host} pid ${pid} (run ${heldFor}) last renewed it at ${heartbeat}, longer ago than the lock's expiry.`,
		);
	}
	return lock;
}

async function driveLocked(
	session: SessionContext,
	request: RunRequest,
	run: Run,
	rack?: RackDrive,
	stackLock?: StackLock,
): Promise<RunOutcome> {
	const {input, store, world, screen, interrupts} = session;
	const {flags} = input;
	const {loaded} = world;
	const resumeOf = request.resume;
	const account = loaded.config.accounts[run.env]!;
	const {region} = run.options;
	if (!resumeOf) rack?.onCreated(run);
	store.save(run);
	if (!rack) screen.attach(run);
	if (request.rollbackOf && !resumeOf) {
		await store.record(request.rollbackOf.runId, {
			type: 'history',
			message: `Rollback run ${run.id} started: ${account.stackName} back to Ami ${request.rollbackOf.ami || '(stock)'} and Version ${request.rollbackOf.version}.`,
		});
	}
	const services = await session.servicesFor(run.env, region);
	const files = runFiles(input.stateDir, run.id);
	const secrets = await world.runSecrets(services, account, {region, typed: session.typedSecrets, signal: interrupts.signal});
	const runner = new Runner({
		run,
		steps: await world.steps(),
		store,
		sink: world.notifying(rack?.sink ?? screen.sink, account, secrets, rack?.resumeCommand),
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
		prompt: rack?.prompter ?? screen.prompter,
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
	const {writeReport} = await import('./write-report');
	// After a single release that changed something, one more read counts the account's AMIs (a fleet's racks skip it).
	const counted = outcome.run.kind === 'release' && outcome.run.status === 'finished' && !session.model.readOnly && !rack;
	const holdings = counted ? await world.imageHoldings(services, {accountId: account.accountId, region, account: run.env}) : undefined;
	await writeReport(outcome.run, files.report, holdings);
	if (outcome.run.rollbackOf) {
		await store.record(outcome.run.rollbackOf.runId, {type: 'history', message: `Rollback run ${outcome.run.id} ${outcome.run.status}.`});
		await store.settled(outcome.run.rollbackOf.runId);
	}
	await store.settled(outcome.run.id);
	return outcome;
}
