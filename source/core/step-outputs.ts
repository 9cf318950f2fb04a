import type {StepId} from './step-declarations';
import type {Architecture, BaseAmiPlan} from './ami';
import type {StackSnapshot, TemplateParameter} from './stack';

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
	/** The change set shown and waiting for approval (`release --until preview`), with the stack as it was then. */
	preview?: ChangeSetPreview;
	/** Who approved the preview's change set. */
	approval?: ChangeSetApproval;
}

export interface ChangeSetPreview {
	changeSetName: string;
	consoleUrl: string;
	previewedAt: string;
	stackStatus: string;
	stackLastUpdated: string | null;
	/** SHA-256 of the stack's parameters when previewed: a change since means a fresh change set and a fresh approval. */
	parametersDigest: string;
}

/** A required reviewer who approved the GitHub environment of the job that executes the change set. */
export interface EnvironmentReviewer {
	login: string;
	comment: string;
	environments: string[];
}

export interface ChangeSetApproval {
	changeSetName: string;
	/** The STS caller ARN of the approver's credentials. */
	arn: string;
	/** The approver: the environment's reviewers in GitHub Actions, else the local user (or GITHUB_ACTOR, who started the workflow). */
	user: string;
	at: string;
	/** GitHub Actions: the reviewers who approved the job's environment, from the run's review history. */
	reviewers?: EnvironmentReviewer[];
	/** GitHub Actions: who started the workflow run (GITHUB_ACTOR). */
	startedBy?: string;
}

/** Who approved, in words: the environment's reviewers (with the workflow's starter), or who started the job, or the local user. */
export function describeApprover(approval: ChangeSetApproval): string {
	if (approval.reviewers?.length) {
		const reviewers = approval.reviewers
			.map(({login, comment, environments}) => `${login} (environment ${environments.join(', ')}${comment ? `: "${comment}"` : ''})`)
			.join(', ');
		return `${reviewers}; workflow started by ${approval.startedBy ?? 'unknown'}`;
	}
	return approval.startedBy ? `the job started by ${approval.startedBy}` : approval.user;
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

/** Step outputs as a record holds them; read them through `outputsOf`, which knows each step's type. */
export type Outputs = Partial<StepOutputs[StepId]>;

/** Outputs as journaled: a checkpoint records part of them before the step is done, an old journal may lack a field. */
export type RecordedOutputs<S extends StepId> = Partial<StepOutputs[S]>;

/** The one reader of a step's outputs in a run (empty when the step recorded none). */
export function outputsOf<S extends StepId, R extends {id: StepId; outputs: Outputs}>(
	run: {steps: readonly R[]},
	step: S,
): RecordedOutputs<S> {
	return (run.steps.find(record => record.id === step)?.outputs ?? {}) as RecordedOutputs<S>;
}

/** The outputs a `step` event carries when it is one of `step`'s (a `done` event: what the step returned). */
export function outputsIn<S extends StepId>(event: {step?: StepId; outputs?: Outputs}, step: S): RecordedOutputs<S> | undefined {
	return event.step === step ? (event.outputs as RecordedOutputs<S> | undefined) : undefined;
}

/** How the target version was chosen. */
export type VersionRule = 'newest' | 'required' | 'pinned';

/** What resolve-version records in the journal (and the `step` event on `done`). */
export interface ResolveVersionOutputs {
	convoxVersion: string;
	versionRule: VersionRule;
	/** With the `required` rule: the newest published version, for the run after this one. */
	nextVersion: string | null;
	sourceAmi: string;
	/** `region-config` (2016-era templates) or `ssm` (from 20220728124649 on). */
	amiSource: BaseAmiPlan['era'];
	/** The SSM parameter path resolved for the base AMI (null for RegionConfig templates). */
	amiParameter: string | null;
	architecture: Architecture;
	amiReason: string;
	/** The instance type the build should launch (the template's `instance_type` variable, when it declares one). */
	buildInstanceType: string;
	instanceType: string | null;
	buildInstance: string | null;
	templateUrl: string;
	templateBytes: number;
	templateParameters: TemplateParameter[];
	stackStatus: string;
	stackParameters: StackSnapshot['parameters'];
	stackVersion: string | null;
	stackAmi: string | null;
}

/** What the template step found in the template, journaled with its outputs. */
export interface TemplateCheckOutputs {
	declaredVariables: string[];
	/** Variables the build passes that the template does not declare (Packer ignores them). */
	undeclaredPassed: string[];
	/** Template variables receiving a secret that are listed in `sensitive-variables`, and those that are not. */
	sensitiveSecrets: string[];
	secretsNotSensitive: string[];
	/** Packer variables of the secrets that no template variable receives. */
	secretsNotReceived: string[];
	/** Packer variables of the secrets whose template variable has a null default: the build needs them whatever the metrics backend. */
	requiredSecrets?: string[];
	/** Every AMI the template makes is tagged ReleaseRun = run_id. */
	releaseRunTag: boolean;
	/** Where the template's manifest post-processor writes. */
	manifestPath?: string;
}

export interface TemplateOutputs extends TemplateCheckOutputs {
	templatePath: string;
	amiVersion: string;
	/** The account, as the Packer variable `env` receives it. */
	env: string;
	region: string;
	sourceAmi: string;
	convoxVersion: string;
	gitSha?: string;
	/** Where Packer builds when the template's builder names another region than the rack's; the AMI is copied to `region`. */
	buildRegion?: string;
	/** The template variable that feeds its builder's region (the rack's region is passed through it). */
	regionVariable?: string;
	/** The config's var files (absolute paths), passed to Packer in this order. */
	varFiles?: string[];
	/** Variables those files set that are secrets (names only): the build scrubs their values from Packer's output. */
	varFileSecrets?: string[];
}

/** The AMI version of a dev build: `dev-` and the UTC time to the second, e.g. dev-20261125010203. */
