import type {CheckFault} from './check-faults';
import type {RunKind, StepId} from './step-declarations';
import type {Outputs, StepOutputs} from './step-outputs';

// The step vocabulary is declared in step-declarations.ts; a run's types are read from here.
export {STEP_IDS, STEP_TITLES, type RunKind, type StepId} from './step-declarations';

/** `warn`: something the operator should act on or know before going on; `info`: what happened. */
export type NoticeLevel = 'info' | 'warn';

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'waiting';
export type RunStatus = 'running' | 'finished' | 'failed' | 'waiting' | 'interrupted';
export type RunMode = 'live' | 'dry-run' | 'rehearsal';

export interface StepRecord {
	id: StepId;
	status: StepStatus;
	startedAt?: string;
	endedAt?: string;
	attempts: number;
	outputs: Outputs;
	error?: string;
}

export type CheckKind = 'auto' | 'manual';
export type CheckStatus = 'pending' | 'running' | 'pass' | 'fail' | 'skipped' | 'waiting';

export interface CheckRecord {
	id: string;
	title: string;
	kind: CheckKind;
	status: CheckStatus;
	detail: string;
	required: boolean;
	/** Times the check started running (a retry starts it again). */
	attempts: number;
	startedAt?: string;
	endedAt?: string;
	notes: string[];
	/** On a failure: `backend` when the monitoring service, not the release, is at fault (no rollback is offered for it). */
	fault?: CheckFault;
}

export interface HistoryEntry {
	at: string;
	message: string;
}

export interface RunOptions {
	region: string;
	/** Read-only: also set on a rehearsal that only shows its writes (mode stays `rehearsal`). */
	dryRun: boolean;
	convoxVersion?: string;
	confirm: string[];
	yes: boolean;
	/** A fleet rack's AMI, built by another run of its account (or copied to this region): the build step adopts it. */
	prebuiltAmi?: PrebuiltAmi;
	/** `release --until preview`: the change set is executed only once approved (`resume RUN_ID --approve`). */
	until?: 'preview';
}

export interface PrebuiltAmi {
	amiId: string;
	region: string;
	/** Where it comes from, for people: `built by run X`, `copied from us-east-1 (ami-…)`. */
	origin: string;
}

export interface RollbackTarget {
	runId: string;
	ami: string;
	version: string;
}

export interface Run {
	schemaVersion: 1;
	id: string;
	kind: RunKind;
	/** The config's account; named `env` in the journal since its first version. */
	env: string;
	mode: RunMode;
	production: boolean;
	/** The release this run belongs to: a dev run and the prod run promoted from it share it. */
	releaseId?: string;
	/** A rollback run: the stack goes back to these values, which the run `runId` replaced. */
	rollbackOf?: RollbackTarget;
	status: RunStatus;
	createdAt: string;
	updatedAt: string;
	options: RunOptions;
	steps: StepRecord[];
	checks: CheckRecord[];
	history: HistoryEntry[];
}

export interface ParameterChange {
	key: string;
	old?: string;
	new?: string;
	/** NoEcho parameters: values are shown as **** */
	masked: boolean;
}

export interface ResourceChange {
	logicalId: string;
	resourceType: string;
	action: string;
	replacement: 'True' | 'False' | 'Conditional' | '';
}

/** What steps and the runner emit; the runner stamps `runId` and `at` before the reducer, journal and renderers see it. */
export type RunEventInput =
	| {type: 'run'; status: RunStatus | 'started' | 'resumed'; env: string; mode: RunMode; kind: RunKind; message?: string}
	| {type: 'step'; step: StepId; status: StepStatus; outputs?: Outputs; error?: string}
	| CheckpointEventInput
	| {type: 'log'; step: StepId; line: string}
	| {type: 'progress'; step: StepId; phase: string; activity?: string}
	| {type: 'stack-event'; resource: string; status: string; reason: string; timestamp: string; resourceType?: string}
	| {
			type: 'check';
			id: string;
			kind: CheckKind;
			status: CheckStatus;
			detail: string;
			title?: string;
			required?: boolean;
			note?: string;
			fault?: CheckRecord['fault'];
	  }
	| {
			type: 'change-set';
			step: StepId;
			stackName: string;
			changeSetName: string;
			/** The change set in the CloudFormation console. */
			consoleUrl?: string;
			parameters: ParameterChange[];
			changes: ResourceChange[];
			dropped: string[];
	  }
	| {type: 'notice'; step?: StepId; level: NoticeLevel; message: string}
	| {type: 'error'; step?: StepId; message: string}
	/** A line in the run's history that no step says, e.g. on a release: the rollback run that undoes it started or ended. */
	| {type: 'history'; message: string};

/** What a step learns mid-way and the journal must keep (Packer's pid, a change set's name): merged into its outputs, status unchanged. */
export type CheckpointEventInput = {[S in StepId]: {type: 'checkpoint'; step: S; outputs: Partial<StepOutputs[S]>}}[StepId];

export type RunEvent = RunEventInput & {runId: string; at: string};

export type EventSink = (event: RunEvent, run: Run) => void;
