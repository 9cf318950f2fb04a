import type {ImageCopies, ImageCopyRequest} from '../../core/ami';
import type {Config} from '../../config/schema';
import type {ExitCode} from '../../core/errors';
import type {FleetSink} from '../../core/fleet-events';
import type {Services} from '../../core/ports';
import type {Prompter} from '../../core/prompter';
import type {ChangeSetPreview} from '../../core/step-outputs';
import type {EventSink, PrebuiltAmi, Run, StepId} from '../../core/types';
import type {JournalStore} from '../journal-store';
import type {RunOutcome} from '../runner';
import type {FleetRackRecord} from './fleet-journal';

/** How a fleet drives one rack's run: its own sink and prompter, maybe the AMI its account built, maybe only up to the build. */
export interface RackDrive {
	sink: EventSink;
	prompter: Prompter;
	stopAfter?: StepId;
	prebuiltAmi?: PrebuiltAmi;
	/** Its wave's previews are stale: `--approve` and `--yes` approve nothing in this run, which shows its change set and waits. */
	withholdApproval?: boolean;
	/** Called with a new run before its journal is written: the fleet links it first. */
	onCreated(run: Run): void;
	/** What continues this run when it stops (its fleet's resume), as notifications name it; its own resume when absent. */
	resumeCommand?: string;
}

/** A rack's run: the one it linked, resumed, or a new release of the fleet's version. */
export type RackRun = {resume: Run} | {rack: string; convoxVersion: string; fleetRunId: string; until?: 'preview'};

/** What the fleet is handed by its command: the outside world, and the runs of its racks. */
export interface FleetWorld {
	/** The services of a rack's account and region, one set per rack. */
	servicesFor(rack: FleetRackRecord): Promise<Services>;
	/** The rack stack's `Version` parameter now; an error saying what to do when it cannot be read. */
	stackVersion(rack: FleetRackRecord, fleet: string, signal: AbortSignal): Promise<string | undefined>;
	/** How the rack's stack changed since its change set was previewed, in words; undefined when it is as it was. */
	stackChangedSince(rack: FleetRackRecord, preview: ChangeSetPreview, signal: AbortSignal): Promise<string | undefined>;
	/** The AMI of a rack's account copied to other regions, found again by its tags when copied before. */
	copyImage(builder: FleetRackRecord, request: ImageCopyRequest): Promise<ImageCopies>;
	/** One rack's run, driven as a single run is (its stack lock, its journal, its report). */
	driveRack(run: RackRun, drive: RackDrive): Promise<RunOutcome>;
	/** The rollback run of a rack's release. */
	rollBack(release: Run, drive: RackDrive): Promise<RunOutcome>;
}

export interface FleetSession {
	stateDir: string;
	/** The racks' runs. */
	runs: JournalStore;
	config: Config;
	prompter: Prompter;
	/** `--yes`: the waves' questions are taken as answered. */
	yes: boolean;
	/** `--convox-version`, when given. */
	convoxVersion?: string;
	signal: AbortSignal;
	sink: FleetSink;
	world: FleetWorld;
}

export interface FleetOutcome {
	exitCode: ExitCode;
	message: string;
	hint?: string;
	journal: string;
	report: string;
}
