import type {Services} from '../core/ports';
import {runModeOf, type RunModel} from '../core/run-mode';
import {chooseAccountOrFleet} from './account-choice';
import {driveOne} from './drive-one';
import type {FleetRun} from './fleet/fleet-journal';
import type {FleetOutcome, FleetWorld} from './fleet/fleet-world';
import type {InterruptRouter} from './interrupts';
import {runFiles, type JournalStore} from './journal-store';
import {nextRequest, rollbackRequest, type SessionStart} from './run-request';
import type {RunOutcome} from './runner';
import type {SessionOutcome} from '../core/session-outcome';
import type {SessionContext, SessionInput, SessionScreen, SessionWorld} from './session-world';

/**
 * The runs one command drives (release, checklist, rollback, resume): a single run and the runs the
 * guided release goes on with, or a fleet's racks. Its command hands it the screen and the world.
 */
export class Session implements SessionContext {
	readonly typedSecrets = new Map<string, string>();
	private readonly services = new Map<string, Promise<Services>>();
	/** A fleet's racks share one CloudFormation pace per account and region. */
	private fleetDriven = false;

	constructor(
		readonly input: SessionInput,
		readonly store: JournalStore,
		readonly screen: SessionScreen,
		readonly interrupts: InterruptRouter,
		readonly world: SessionWorld,
		readonly model: RunModel,
	) {}

	/** The services of an account in a region: one set for the session, shared by its runs and its fleet. */
	servicesFor(account: string, region: string): Promise<Services> {
		const key = `${account} ${region}`;
		let services = this.services.get(key);
		if (!services) {
			services = this.world.createServices(this.world.loaded.config.accounts[account]!, region, {sharedPace: this.fleetDriven});
			this.services.set(key, services);
		}
		return services;
	}

	/** Drives what `start` asks for, after saying `notices` (they name the fleet of a resumed fleet run). */
	async drive(start: SessionStart, notices: string[]): Promise<SessionOutcome> {
		const {screen, input, world} = this;
		if (start.fleet?.resume) screen.attachFleet({fleet: start.fleet.resume.fleet, fleetRunId: start.fleet.resume.id});
		for (const notice of notices) screen.say('warn', notice);
		// A Ctrl-C while the screen and the config loaded (the first frame's question on the screen) stops here, not at a prompt.
		this.interrupts.signal.throwIfAborted();
		if (start.fleet) return this.driveFleet(start.fleet.resume ?? start.fleet.name);
		let request = start.request;
		if (
			request?.kind === 'release' &&
			!request.account &&
			!input.flags.env &&
			Object.keys(world.loaded.config.fleets ?? {}).length > 0 &&
			screen.prompter.interactive
		) {
			const picked = await chooseAccountOrFleet(world.loaded, screen.prompter);
			if ('fleet' in picked) return this.driveFleet(picked.fleet);
			request = {...request, account: picked.account};
		}
		let outcome: RunOutcome | undefined;
		while (request) {
			outcome = await driveOne(this, request);
			request = await nextRequest({input, loaded: world.loaded, prompter: screen.prompter}, request, outcome);
		}
		const files = runFiles(input.stateDir, outcome!.run.id);
		return {
			exitCode: outcome!.exitCode,
			...(outcome!.message ? {message: outcome!.message} : {}),
			...(outcome!.hint ? {hint: outcome!.hint} : {}),
			journal: files.journal,
			report: files.report,
		};
	}

	/** `release --fleet NAME` and `resume` of a fleet run, handed to workflow/fleet with its renderer and its world. */
	private async driveFleet(target: FleetRun | string): Promise<FleetOutcome> {
		const [{driveFleetRun, resumeFleetRun}, {newFleetRun}] = await Promise.all([
			import('./fleet/fleet-driver'),
			import('./fleet/new-fleet-run'),
		]);
		const {input, screen, world} = this;
		const {flags} = input;
		const {config} = world.loaded;
		this.fleetDriven = true;
		const convoxVersion = flags.convoxVersion ? {convoxVersion: flags.convoxVersion} : {};
		const resumed = typeof target !== 'string';
		const fleet = resumed
			? resumeFleetRun(target, {config, ...convoxVersion})
			: newFleetRun(config, target, {
					model: this.model,
					confirm: flags.confirm,
					...(flags.region ? {region: flags.region} : {}),
					...(flags.until ? {until: flags.until} : {}),
				});
		screen.attachFleet({fleet: fleet.fleet, fleetRunId: fleet.id});
		const fleetSession = {
			stateDir: input.stateDir,
			runs: this.store,
			config,
			prompter: screen.prompter,
			yes: flags.yes,
			...convoxVersion,
			signal: this.interrupts.signal,
			sink: screen.fleet({fleet: fleet.fleet, fleetRunId: fleet.id, racks: fleet.racks}),
			world: this.fleetWorld(),
		};
		return driveFleetRun(fleetSession, fleet, {resumed});
	}

	/** The world of a fleet run: its racks' services and stacks, the AMI copies, and its racks' runs driven as single runs are. */
	private fleetWorld(): FleetWorld {
		const {world} = this;
		const servicesFor = (rack: {name: string; region: string}) => this.servicesFor(rack.name, rack.region);
		return {
			servicesFor,
			stackVersion: async (rack, fleet, signal) => world.stackVersion(await servicesFor(rack), rack, fleet, signal),
			stackChangedSince: async (rack, preview, signal) => world.stackChangedSince(await servicesFor(rack), rack, preview, signal),
			copyImage: async (builder, request) => world.copyImage(await servicesFor(builder), request),
			driveRack: (run, drive) =>
				driveOne(
					this,
					'resume' in run
						? {kind: run.resume.kind, resume: run.resume, model: runModeOf(run.resume)}
						: {
								kind: 'release',
								account: run.rack,
								convoxVersion: run.convoxVersion,
								releaseId: run.fleetRunId,
								...(run.until ? {until: run.until} : {}),
							},
					drive,
				),
			rollBack: (release, drive) => driveOne(this, rollbackRequest(release), drive),
		};
	}
}
