import type {AccountConfig, Config} from '../config/schema';
import type {Services} from '../core/ports';
import {EXIT, InterruptedError, OperatorError, WaitingError, type ExitCode, errorText} from '../core/errors';
import {promptsUntilInterrupted, type InterruptRouter} from './interrupts';
import type {JournalStore} from './journal-store';
import {isJournaled, reduceRun} from './reducer';
import type {RunSecrets} from '../core/secrets';
import {stepVerbs, type Flags, type RunPaths, type StepContext, type StepTable} from '../core/step';
import type {Prompter} from '../core/prompter';
import {outputsOf} from '../core/step-outputs';
import type {EventSink, Run, RunEvent, RunEventInput, StepId} from '../core/types';

export interface RunOutcome {
	exitCode: ExitCode;
	run: Run;
	message?: string;
	hint?: string;
}

export interface RunnerOptions {
	run: Run;
	steps: StepTable;
	store: JournalStore;
	sink: EventSink;
	config: Config;
	configDir: string;
	account: AccountConfig;
	flags: Flags;
	services: Services;
	prompt: Prompter;
	paths: RunPaths;
	interrupts: InterruptRouter;
	/** The run's secrets; their scrubber masks what an event says in words before it is journaled or shown. */
	secrets: RunSecrets;
	resumed?: {message: string};
	/** Stop (exit 0, run still running) once this step is done: a fleet builds its account's AMI before the rack's wave. */
	stopAfter?: StepId;
	/** Asked before each step: why the run no longer holds its rack's lock (it then stops there), or undefined. */
	lockLost?: () => Promise<string | undefined>;
	/** What continues this run when it stops (a fleet rack's: its fleet's resume); `convox-ami resume RUN_ID` when absent. */
	resumeCommand?: string;
}

/** Fields that name things rather than say them; never masked. */
const NAMING_FIELDS = new Set(['type', 'status', 'step', 'id', 'kind', 'mode', 'env']);

function scrubValue(value: unknown, scrub: (text: string) => string): unknown {
	if (typeof value === 'string') return scrub(value);
	if (Array.isArray(value)) return value.map(item => scrubValue(item, scrub));
	if (value && typeof value === 'object')
		return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, NAMING_FIELDS.has(key) ? item : scrubValue(item, scrub)]));
	return value;
}

/** Log lines, phases and stack events are scrubbed at their source (a flood must stay cheap); the rest here. */
const WORDY_EVENTS = new Set(['step', 'checkpoint', 'notice', 'error', 'check', 'run', 'history']);

function isInterruption(error: unknown, signal: AbortSignal): boolean {
	return error instanceof InterruptedError || (signal.aborted && !(error instanceof OperatorError));
}

/** Drives a run from its first unfinished step to the end, journaling every event that matters. */
export class Runner {
	private current: Run;

	constructor(private readonly options: RunnerOptions) {
		this.current = options.run;
	}

	get run(): Run {
		return this.current;
	}

	emit = (input: RunEventInput): void => {
		const {secrets} = this.options;
		const said = WORDY_EVENTS.has(input.type) ? (scrubValue(input, text => secrets.scrub(text)) as RunEventInput) : input;
		const event = {...said, runId: this.current.id, at: new Date().toISOString()} as RunEvent;
		const next = reduceRun(this.current, event);
		if (isJournaled(event)) this.options.store.save(next);
		this.current = next;
		this.options.sink(event, next);
	};

	private context(stepId: StepId): StepContext {
		const {config, configDir, account, flags, services, secrets, prompt, paths, interrupts} = this.options;
		const current = (): Run => this.current;
		const emit = (event: RunEventInput) => this.emit('step' in event && event.step ? event : ({...event, step: stepId} as RunEventInput));
		return {
			get run() {
				return current();
			},
			config,
			configDir,
			accountName: this.current.env,
			account,
			region: this.current.options.region,
			flags,
			services,
			secrets,
			prompt: promptsUntilInterrupted(prompt, interrupts.signal),
			paths,
			signal: interrupts.signal,
			outputs: step => outputsOf(this.current, step),
			emit,
			...stepVerbs(stepId, emit),
			interceptInterrupt: handler => interrupts.intercept(handler),
		};
	}

	private finish(
		status: 'finished' | 'failed' | 'waiting' | 'interrupted',
		exitCode: ExitCode,
		message?: string,
		hint?: string,
	): RunOutcome {
		this.emit({
			type: 'run',
			status,
			env: this.current.env,
			mode: this.current.mode,
			kind: this.current.kind,
			...(status === 'interrupted' && message ? {message} : {}),
		});
		return {exitCode, run: this.current, ...(message ? {message} : {}), ...(hint ? {hint} : {})};
	}

	async drive(): Promise<RunOutcome> {
		const {mode, env: account, kind} = this.current;
		const {interrupts, resumed} = this.options;
		this.emit({
			type: 'run',
			status: resumed ? 'resumed' : 'started',
			env: account,
			mode,
			kind,
			...(resumed ? {message: resumed.message} : {}),
		});
		for (const record of this.options.run.steps) {
			const status = this.current.steps.find(step => step.id === record.id)?.status;
			if (status === 'done' || status === 'skipped') {
				if (record.id === this.options.stopAfter) return {exitCode: EXIT.ok, run: this.current};
				continue;
			}
			if (interrupts.signal.aborted)
				return this.finish('interrupted', EXIT.interrupted, `Interrupted before ${record.id}.`, 'Run `convox-ami resume` to continue.');
			const lost = await this.options.lockLost?.();
			if (lost) {
				this.emit({type: 'error', step: record.id, message: `${lost} Stopped before the ${record.id} step.`});
				return this.finish(
					'failed',
					EXIT.failed,
					`${lost} Stopped before the ${record.id} step; nothing of it was done.`,
					`Run \`${this.options.resumeCommand ?? `convox-ami resume ${this.current.id}`}\` once nobody else holds the lock (\`convox-ami runs\` shows who drives the rack): it takes the lock again and continues with ${record.id}.`,
				);
			}
			const step = this.options.steps[record.id];
			if (!step) {
				const message = `The ${record.id} step is not available yet in this version of convox-ami; the run stops here.`;
				this.emit({type: 'step', step: record.id, status: 'failed', error: message});
				this.emit({type: 'error', step: record.id, message});
				return this.finish('failed', EXIT.failed, message, 'Everything before it is recorded in the journal.');
			}
			this.emit({type: 'step', step: record.id, status: 'running'});
			try {
				const outputs = await step.run(this.context(record.id));
				this.emit({type: 'step', step: record.id, status: 'done', outputs});
			} catch (error) {
				return this.fail(record.id, error);
			}
			// With a shared state, a step ends once the state holds it (and the files it wrote); a write lost to another machine stops the run here.
			await this.options.store.settled(this.current.id);
			if (record.id === this.options.stopAfter) return {exitCode: EXIT.ok, run: this.current};
		}
		return this.finish('finished', EXIT.ok);
	}

	private fail(stepId: StepId, error: unknown): RunOutcome {
		const {signal} = this.options.interrupts;
		if (isInterruption(error, signal)) {
			const message = error instanceof InterruptedError ? error.message : `Interrupted during ${stepId}.`;
			this.emit({type: 'step', step: stepId, status: 'failed', error: message});
			return this.finish(
				'interrupted',
				EXIT.interrupted,
				message,
				(error instanceof OperatorError && error.hint) || 'Run `convox-ami resume` to continue.',
			);
		}
		const scrub = (text: string) => this.options.secrets.scrub(text);
		const message = scrub(errorText(error));
		const hint = error instanceof OperatorError && error.hint ? scrub(error.hint) : undefined;
		if (error instanceof WaitingError) {
			this.emit({type: 'step', step: stepId, status: 'waiting', error: message});
			return this.finish('waiting', EXIT.waiting, message, hint);
		}
		this.emit({type: 'step', step: stepId, status: 'failed', error: message});
		this.emit({type: 'error', step: stepId, message});
		const exitCode = error instanceof OperatorError ? error.exitCode : EXIT.failed;
		return this.finish(
			'failed',
			exitCode,
			message,
			hint ?? (exitCode === EXIT.failed ? 'Run `convox-ami resume` to retry from this step.' : undefined),
		);
	}
}
