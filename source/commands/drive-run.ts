import type {LoadedConfig} from '../config/load-config';
import type {Rehearsal} from '../rehearsal/rehearsal';
import {stepRegistry} from '../steps/registry';
import {createFrontEnd, type FrontEnd} from '../ui/front-end';
import {detectOutputMode} from '../ui/output-mode';
import {EXIT, InterruptedError, OperatorError, UsageError, type ExitCode} from '../workflow/errors';
import {InterruptRouter} from '../workflow/interrupts';
import {JournalStore, runFiles} from '../workflow/journal-store';
import {createRun, firstUnfinishedStep, newRunId} from '../workflow/plan';
import {Runner} from '../workflow/runner';
import {acquireStateLock, type StateLock} from '../workflow/state-lock';
import type {Run, RunKind, RunMode} from '../workflow/types';
import type {CommandInput} from './run-command';

function modeOf({rehearse, dryRun}: {rehearse: boolean; dryRun: boolean}): RunMode {
	if (rehearse) return 'rehearsal';
	return dryRun ? 'dry-run' : 'live';
}

async function findRunToResume(store: JournalStore, runId: string | undefined): Promise<Run> {
	if (runId) return store.load(runId);
	const {runs} = await store.list();
	const unfinished = runs.find(run => run.status !== 'finished');
	if (!unfinished) throw new UsageError(`No unfinished run in ${store.stateDir}.`, 'Start one with `convox-ami release`, or list runs with `convox-ami runs`.');
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
		if (!loaded.config.accounts[input.flags.env]) throw new UsageError(`No account "${input.flags.env}" in ${loaded.path}; it has ${names.join(', ')}.`);
		return input.flags.env;
	}
	if (names.length === 1 && !frontEnd.prompter.interactive) return names[0]!;
	return frontEnd.prompter.select({
		message: 'Which account?',
		choices: names.map(name => {
			const account = loaded.config.accounts[name]!;
			return {value: name, label: name, hint: `${account.accountId} · ${account.stackName}${account.production ? ' · PRODUCTION' : ''}`};
		}),
		remedy: `--env NAME (one of ${names.join(', ')})`,
	});
}

/** release, checklist and resume: lock the state dir, set up the run, drive it, report. */
export async function driveRun(input: CommandInput): Promise<ExitCode> {
	const {flags} = input;
	let lock: StateLock | undefined;
	let rehearsal: Rehearsal | undefined;
	const interrupts = new InterruptRouter(() => {
		lock?.release();
		process.stderr.write('\nStopped at once. The journal holds the last recorded state; `convox-ami resume` continues.\n');
		process.exit(EXIT.interrupted);
	});
	const onSignal = () => interrupts.trigger();
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	process.on('SIGHUP', onSignal);
	// The screen comes first so the operator sees it at once; config, SDK and steps load behind it.
	const frontEnd = await createFrontEnd(detectOutputMode({json: flags.json, yes: flags.yes}, process.env), {yes: flags.yes, onInterrupt: onSignal});
	interrupts.signal.addEventListener('abort', () => frontEnd.interrupted());
	try {
		const store = new JournalStore(input.stateDir);
		const resumeOf = input.name === 'resume' ? await findRunToResume(store, input.args[0]) : undefined;
		if (resumeOf && flags.env && flags.env !== resumeOf.env) throw new UsageError(`Run ${resumeOf.id} is for ${resumeOf.env}, not ${flags.env}.`);
		const rehearse = resumeOf ? resumeOf.mode === 'rehearsal' : flags.rehearse;
		const dryRun = resumeOf ? resumeOf.mode === 'dry-run' : flags.dryRun;
		await store.ensureWritable();
		rehearsal = rehearse ? await (await import('../rehearsal/rehearsal')).startRehearsal(input.stateDir) : undefined;
		const loaded = rehearsal?.config ?? (await (await import('../config/load-config')).loadConfig(input.configPath));
		lock = await acquireStateLock(input.stateDir, `convox-ami ${input.name}`);
		if (lock.takenOver) frontEnd.say('warn', `Took over the lock of ${input.stateDir} left by pid ${lock.takenOver.pid} (${lock.takenOver.command}), which is no longer running.`);

		const env = resumeOf?.env ?? (await chooseEnv(input, loaded, frontEnd));
		const account = loaded.config.accounts[env];
		if (!account) throw new UsageError(`Run ${resumeOf?.id} is for account "${env}", which ${loaded.path} no longer has.`);
		const region = resumeOf?.options.region ?? flags.region ?? account.region ?? loaded.config.region;
		const kind: RunKind = resumeOf?.kind ?? (input.name === 'checklist' ? 'checklist' : 'release');

		let run =
			resumeOf ??
			createRun({
				id: newRunId(env),
				kind,
				env,
				mode: modeOf({rehearse, dryRun}),
				production: account.production,
				options: {region, confirm: flags.confirm, yes: flags.yes, ...(flags.convoxVersion ? {convoxVersion: flags.convoxVersion} : {})},
			});
		if (resumeOf) {
			if (flags.convoxVersion && flags.convoxVersion !== resumeOf.options.convoxVersion) {
				throw new UsageError(`Run ${resumeOf.id} keeps the Convox version it started with; --convox-version cannot change it.`, 'Start a new run to release another version.');
			}
			run = {...run, options: {...run.options, confirm: [...new Set([...run.options.confirm, ...flags.confirm])], yes: flags.yes}};
		}
		store.save(run);
		frontEnd.attach(run);

		const {createServices} = await import('../services/create-services');
		const services = createServices({
			config: loaded.config,
			configDir: loaded.dir,
			account,
			region,
			env: rehearsal ? rehearsal.envFor(account.accountId) : process.env,
			...(rehearsal ? {standIn: {endpoint: rehearsal.awsEndpoint, credentials: rehearsal.credentialsFor(account.accountId)}} : {}),
		});
		const files = runFiles(input.stateDir, run.id);
		const runner = new Runner({
			run,
			steps: await stepRegistry(),
			store,
			sink: frontEnd.sink,
			config: loaded.config,
			configDir: loaded.dir,
			account,
			flags: {...flags, env, confirm: run.options.confirm, dryRun, rehearse},
			services,
			prompt: frontEnd.prompter,
			paths: {stateDir: input.stateDir, ...files},
			interrupts,
			...(resumeOf ? {resumed: {message: describeResume(resumeOf)}} : {}),
		});
		const outcome = await runner.drive();
		const {writeReport} = await import('../workflow/write-report');
		await writeReport(outcome.run, files.report);
		await frontEnd.end({
			exitCode: outcome.exitCode,
			...(outcome.message ? {message: outcome.message} : {}),
			...(outcome.hint ? {hint: outcome.hint} : {}),
			journal: files.journal,
		});
		return outcome.exitCode;
	} catch (error) {
		const operatorError = error instanceof OperatorError ? error : interrupts.signal.aborted ? new InterruptedError() : undefined;
		await frontEnd.end({
			exitCode: operatorError?.exitCode ?? EXIT.failed,
			message: (operatorError ?? (error as Error)).message,
			...(operatorError?.hint ? {hint: operatorError.hint} : {}),
		});
		if (!operatorError) throw error;
		return operatorError.exitCode;
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
		process.off('SIGHUP', onSignal);
		await rehearsal?.stop();
		lock?.release();
	}
}
