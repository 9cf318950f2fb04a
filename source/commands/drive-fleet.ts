import {driveFleetRun, resumeFleetRun} from '../workflow/fleet/fleet-driver';
import type {FleetRun} from '../workflow/fleet/fleet-journal';
import type {FleetOutcome, FleetSession} from '../workflow/fleet/fleet-world';
import {newFleetRun} from '../workflow/fleet/new-fleet-run';
import type {Session} from './drive-one';
import {fleetWorld} from './fleet-world';

/** `release --fleet NAME` and `resume` of a fleet run: the fleet run, its renderer and its world, handed to workflow/fleet. */
export async function driveFleet(session: Session, target: FleetRun | string): Promise<FleetOutcome> {
	const {loaded, input, frontEnd, interrupts, store, model} = session;
	const {flags} = input;
	const convoxVersion = flags.convoxVersion ? {convoxVersion: flags.convoxVersion} : {};
	const resumed = typeof target !== 'string';
	const fleet = resumed
		? resumeFleetRun(target, {config: loaded.config, ...convoxVersion})
		: newFleetRun(loaded.config, target, {
				model,
				confirm: flags.confirm,
				...(flags.region ? {region: flags.region} : {}),
				...(flags.until ? {until: flags.until} : {}),
			});
	frontEnd.attachFleet({fleet: fleet.fleet, fleetRunId: fleet.id});
	const fleetSession: FleetSession = {
		stateDir: input.stateDir,
		runs: store,
		config: loaded.config,
		prompter: frontEnd.prompter,
		yes: flags.yes,
		...convoxVersion,
		signal: interrupts.signal,
		sink: frontEnd.fleet({fleet: fleet.fleet, fleetRunId: fleet.id, racks: fleet.racks}),
		world: fleetWorld(session),
	};
	return driveFleetRun(fleetSession, fleet, {resumed});
}
