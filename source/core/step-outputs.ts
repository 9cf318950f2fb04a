import type {ResolveVersionOutputs} from '../steps/resolve-version';
import type {TemplateOutputs} from '../steps/template';
import type {Outputs, Run, StepId} from './types';

export interface AccountOutputs {
	accountId: string;
	arn: string;
	profile: string | null;
	region: string;
}

export interface BuildOutputs {
	/** The AMI in the run's region; absent after a dry run, which only validates. */
	amiId?: string;
	amiIds: Record<string, string>;
	logPath?: string;
	/** Found in EC2 rather than announced by this attempt's Packer. */
	adopted?: boolean;
	/** A dry run: `packer validate` accepted the template, nothing was built. */
	validated?: boolean;
	/** Checkpointed while Packer runs (for `ps` and the runs list); a resume reads the keeper's record. */
	packerPid?: number;
	packerStartedAt?: string;
	keeperPid?: number;
	/** A fleet rack adopted the AMI its account built or copied, instead of building. */
	prebuilt?: boolean;
}

export interface UpdateStackOutputs {
	stackStatus: string;
	previousAmi: string;
	previousVersion: string;
	changeSetName: string | null;
	completedAt: string;
}

export interface VerifyOutputs {
	passed: string[];
	failed: string[];
	skipped: string[];
	waiting: string[];
	stackStatus?: string;
	convoxVersion?: string;
	amiId?: string;
}

/** What each step records on `done` (and the `step` done event carries), keyed by step id. */
export interface StepOutputs {
	account: AccountOutputs;
	'resolve-version': ResolveVersionOutputs;
	template: TemplateOutputs;
	build: BuildOutputs;
	'update-stack': UpdateStackOutputs;
	verify: VerifyOutputs;
}

/** Outputs as journaled: a checkpoint records part of them before the step is done, an old journal may lack a field. */
export type RecordedOutputs<S extends StepId> = Partial<StepOutputs[S]>;

/** The one reader of a step's outputs in a run (empty when the step recorded none). */
export function outputsOf<S extends StepId>(run: Pick<Run, 'steps'>, step: S): RecordedOutputs<S> {
	return (run.steps.find(record => record.id === step)?.outputs ?? {}) as RecordedOutputs<S>;
}

/** The outputs a `step` event carries when it is one of `step`'s (a `done` event: what the step returned). */
export function outputsIn<S extends StepId>(event: {step?: StepId; outputs?: Outputs}, step: S): RecordedOutputs<S> | undefined {
	return event.step === step ? (event.outputs as RecordedOutputs<S> | undefined) : undefined;
}
