import type {LoadedConfig} from '../config/load-config';
import type {AccountConfig} from '../config/schema';
import type {FleetSink} from '../core/fleet-events';
import type {Services} from '../core/ports';
import type {Prompter} from '../core/prompter';
import type {RunModel} from '../core/run-mode';
import type {RunSecrets} from '../core/secrets';
import type {SessionOutcome} from '../core/session-outcome';
import type {Flags, StepTable} from '../core/step';
import type {ChangeSetPreview} from '../core/step-outputs';
import type {EventSink, Run} from '../core/types';
import type {FleetRackRecord} from './fleet/fleet-journal';
import type {ImageCopies, ImageCopyRequest} from '../core/ami';
import type {InterruptRouter} from './interrupts';
import type {JournalStore} from './journal-store';
import type {ImageHoldings} from './report';
import type {SharedState} from './state-mirror';

/** The commands a session drives. */
export type SessionCommand = 'release' | 'resume' | 'rollback' | 'checklist';

/** The command line of a session, checked. */
export interface SessionInput {
	command: SessionCommand;
	/** The run (or fleet run) named on the command line: the one to resume or roll back. */
	runId?: string;
	flags: Flags;
	stateDir: string;
}

/** The front end as the session sees it: where runs and fleets are shown, and how questions are asked. */
export interface SessionScreen {
	readonly prompter: Prompter;
	readonly sink: EventSink;
	fleet(tag: {fleet: string; fleetRunId: string; racks: FleetRackRecord[]}): FleetSink;
	say(level: 'info' | 'warn', message: string): void;
	attach(run: Run): void;
	attachFleet(fleet: {fleet: string; fleetRunId: string}): void;
}

/**
 * What a session is handed by its command (`commands/session-world.ts`): the steps, and every
 * service, secret store and notification the config names, in the real world or the rehearsal's.
 */
export interface SessionWorld {
	readonly loaded: LoadedConfig;
	steps(): Promise<StepTable>;
	/** A new set of services of an account in a region; `sharedPace` for a fleet's racks, whose CloudFormation calls share one pace. */
	createServices(account: AccountConfig, region: string, options: {sharedPace: boolean}): Promise<Services>;
	/** A run's secrets: the process environment, those typed at a prompt (kept for the session), the account's secret stores. */
	runSecrets(
		services: Services,
		account: AccountConfig,
		{region, typed, signal}: {region: string; typed: Map<string, string>; signal: AbortSignal},
	): Promise<RunSecrets>;
	/** The run's sink, also feeding the config's `notify` targets when it has any. */
	notifying(sink: EventSink, account: AccountConfig, secrets: RunSecrets, resumeCommand?: string): EventSink;
	/** The account's AMIs in a region, counted after a release. */
	imageHoldings(services: Services, where: {accountId: string; region: string; account: string}): Promise<ImageHoldings>;
	/** A rack stack's `Version` parameter now; an error saying what to do when it cannot be read. */
	stackVersion(services: Services, rack: FleetRackRecord, fleet: string, signal: AbortSignal): Promise<string | undefined>;
	/** How a rack's stack changed since its change set was previewed, in words; undefined when it is as it was. */
	stackChangedSince(services: Services, rack: FleetRackRecord, preview: ChangeSetPreview, signal: AbortSignal): Promise<string | undefined>;
	/** An AMI copied to other regions of its account, found again by its tags when copied before. */
	copyImage(services: Services, request: ImageCopyRequest): Promise<ImageCopies>;
	/** Resolves once every notification sent so far was delivered or given up (each within its deadline). */
	notificationsSettled(): Promise<void>;
}

/** The front end of a session's command: its screen, told of an interruption, and the last word. */
export interface SessionFrontEnd extends SessionScreen {
	/** Questions still open are answered with the interruption. */
	interrupted(): void;
	end(outcome: SessionOutcome): Promise<void>;
}

/** The process's signals as a session sees them: the interruptions they raise, unhooked once it ends. */
export interface SessionSignals {
	readonly interrupts: InterruptRouter;
	release(): void;
}

/** A config to run a session in, the config file's or the rehearsal's (whose stand-ins `stop` with the session). */
export interface OpenedWorld {
	/** The session's world over this config, journaled in `store`; `say` is how its notifications report a target they cannot reach. */
	sessionWorld(store: JournalStore, say: SessionScreen['say']): SessionWorld;
	stop?(): Promise<void>;
}

/** What a session's command hands it to open its state and its world, each loaded when called. */
export interface SessionOpening {
	/** The shared state (S3) named by --state or the config, mirrored into the state dir; undefined for the state dir alone. */
	sharedState(): Promise<SharedState | undefined>;
	/** The config file, loaded and checked. */
	loadConfig(): Promise<OpenedWorld>;
	/** --rehearse: the rehearsal's stand-ins, started in the state dir (`worldDir`: the world a shared state's rehearsal shares). */
	startRehearsal(options: {fleet?: string; worldDir?: string}): Promise<OpenedWorld>;
}

/** What driving one run of a session reads: the session's parts, and its one set of services per account and region. */
export interface SessionContext {
	readonly input: SessionInput;
	readonly store: JournalStore;
	readonly screen: SessionScreen;
	readonly interrupts: InterruptRouter;
	readonly world: SessionWorld;
	readonly model: RunModel;
	/** Secrets typed at a prompt, kept for every run of the session (a fleet's racks, a promotion): asked once. */
	readonly typedSecrets: Map<string, string>;
	servicesFor(account: string, region: string): Promise<Services>;
}
