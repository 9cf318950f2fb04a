import type {AccountConfig, Config} from '../config/schema';
import type {PlanEntry, PlanFacts} from './plan-facts';
import type {Services} from './ports';
import type {Prompter} from './prompter';
import type {RunSecrets} from './secrets';
import type {StepPhase} from './step-phases';
import type {RecordedOutputs, StepOutputs} from './step-outputs';
import type {NoticeLevel, Run, RunEventInput, StepId} from './types';

export interface RunPaths {
	stateDir: string;
	journal: string;
	packerLog: string;
	report: string;
}

export interface Flags {
	/** `--env NAME`: an account of the config. */
	env?: string;
	convoxVersion?: string;
	/** With --yes, allows a pinned version that jumps over a required one. */
	skipRequired?: boolean;
	region?: string;
	/** As given on the command line; a run's mode is `runModeOf(run)`, which steps read instead. */
	dryRun: boolean;
	rehearse: boolean;
	yes: boolean;
	confirm: string[];
	json: boolean;
	/** A fleet of the config: every rack of it, in its waves. */
	fleet?: string;
	/** prune: the newest this many per account and region are kept. */
	keep?: number;
	/** prune: images younger than this many days are kept. */
	minAgeDays?: number;
	/** `release --until preview`: stop once the change set is shown, waiting for an approval. */
	until?: 'preview';
	/** `resume --approve`: execute the change set previewed and waiting for approval. */
	approve?: boolean;
}

export interface StepContext {
	readonly run: Run;
	readonly config: Config;
	/** Folder of the config file; relative config paths resolve from here. */
	readonly configDir: string;
	readonly accountName: string;
	readonly account: AccountConfig;
	readonly region: string;
	readonly flags: Flags;
	readonly services: Services;
	/** The run's secrets, obtained once; steps and checks take credentials from here, never from the environment. */
	readonly secrets: RunSecrets;
	readonly prompt: Prompter;
	readonly paths: RunPaths;
	readonly signal: AbortSignal;
	/** Outputs of an earlier step of this run (empty when it has none), as `outputsOf` reads them. */
	outputs<S extends StepId>(step: S): RecordedOutputs<S>;
	emit(event: RunEventInput): void;
	/** Tells the operator something about this step: shown, and kept in the run's events. */
	notice(level: NoticeLevel, message: string): void;
	/** Where this step is now (`phase`) and, for the screen, what it is doing (`activity`). */
	progress(phase: StepPhase, activity?: string): void;
	/**
	 * While registered, Ctrl-C calls `handler` instead of aborting `signal` (a build or stack watch
	 * wants to ask first, then cancel cleanly). Call the returned function to unregister.
	 */
	interceptInterrupt(handler: () => void): () => void;
}

/** A step of a run: what it is (id, title, kinds of run, pane) is declared in step-declarations.ts; this is what it does. */
export interface Step<S extends StepId = StepId> {
	id: S;
	/** Its part of `convox-ami plan`'s numbered procedure for one account (read-only, never fails). */
	plan(facts: PlanFacts): PlanEntry;
	/** Does the work and returns the outputs recorded on `done`. Throws an OperatorError to fail. */
	run(context: StepContext): Promise<StepOutputs[S]>;
}

/** The steps a runner may drive, each typed by its id. */
export type StepTable = {[S in StepId]?: Step<S>};

/** The verbs of a step's context, said through `emit` as events of `step`. */
export function stepVerbs(step: StepId, emit: (event: RunEventInput) => void): Pick<StepContext, 'notice' | 'progress'> {
	return {
		notice: (level, message) => emit({type: 'notice', step, level, message}),
		progress: (phase, activity) => emit({type: 'progress', step, phase, ...(activity === undefined ? {} : {activity})}),
	};
}
