import {EXIT, OperatorError, errorText} from '../../core/errors';
import type {RackState} from '../../core/fleet-events';
import type {FleetContext} from './fleet-context';
import {driveRackRun, prebuiltFor, rackStateOf} from './rack-run';
import {schedule, type Schedule} from './wave-scheduler';
import type {WaveGates} from './wave-gates';

/** One rack's release in its wave: through its wave's gate, on its account's AMI. */
async function releaseRack(context: FleetContext, gates: WaveGates, name: string): Promise<void> {
	const {session} = context;
	context.change({type: 'rack-started', rack: name});
	const rack = context.rack(name);
	context.emit({type: 'rack-state', rack: name, state: 'running', wave: rack.wave, ...(rack.runId ? {runId: rack.runId} : {})});
	const gate = gates.open(rack.wave, (await session.world.servicesFor(rack)).policy);
	gate.enter(name);
	let ended: {state: RackState; detail?: string};
	try {
		const prebuiltAmi = prebuiltFor(context, rack);
		const outcome = await driveRackRun(context, gates, rack, prebuiltAmi ? {prebuiltAmi} : {});
		const state = rackStateOf(outcome.run);
		const halted = outcome.exitCode === EXIT.interrupted || outcome.exitCode === EXIT.usage;
		ended = {state: halted ? 'pending' : state, ...(outcome.message && state !== 'done' ? {detail: outcome.message} : {})};
		if (halted) {
			context.stop({
				exitCode: outcome.exitCode,
				message: `${name}: ${outcome.message ?? 'stopped'}`,
				...(outcome.hint ? {hint: outcome.hint} : {}),
			});
		}
	} catch (error) {
		// A question nobody can answer stops the fleet at once; the rack is started again by `resume`.
		const usage = error instanceof OperatorError && error.exitCode === EXIT.usage;
		ended = {state: usage || session.signal.aborted ? 'pending' : 'failed', detail: errorText(error)};
		if (usage) context.stop({exitCode: EXIT.usage, message: `${name}: ${error.message}`, ...(error.hint ? {hint: error.hint} : {})});
	} finally {
		gate.leave(name);
	}
	context.change({type: 'rack-ended', rack: name, ...ended});
	const {runId, detail} = context.rack(name);
	context.emit({
		type: 'rack-state',
		rack: name,
		state: ended.state,
		wave: rack.wave,
		...(runId ? {runId} : {}),
		...(detail ? {detail: detail.split('\n')[0]!} : {}),
	});
}

/** Where the racks stand, as the scheduler reads them. */
export function scheduleNow(context: FleetContext): Schedule {
	const {waves, maxConcurrent, failureTolerance, racks} = context.fleet;
	return schedule({waves, maxConcurrent, failureTolerance}, Object.fromEntries(racks.map(rack => [rack.name, rack.state])));
}

/**
 * The waves in order, racks of a wave side by side as the scheduler starts them, until nothing runs
 * and nothing more starts. The racks the last schedule left untouched.
 */
export async function runWaves(context: FleetContext, gates: WaveGates): Promise<string[]> {
	const {waves} = context.fleet;
	const active = new Map<string, Promise<void>>();
	let announced = -1;
	for (;;) {
		const next = scheduleNow(context);
		if (next.wave !== announced && !next.overTolerance) {
			if (announced >= 0) context.emit({type: 'wave', wave: announced, status: 'done', racks: waves[announced]!});
			if (next.wave < waves.length) context.emit({type: 'wave', wave: next.wave, status: 'started', racks: waves[next.wave]!});
			announced = next.wave;
		}
		for (const name of context.stopping ? [] : next.start) {
			active.set(
				name,
				releaseRack(context, gates, name).finally(() => active.delete(name)),
			);
		}
		if (active.size === 0) return next.untouched;
		await Promise.race(active.values());
	}
}
