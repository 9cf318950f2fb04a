import type {RackState} from '../../core/fleet-events';
export type FleetVerdict = 'finished' | 'stopped' | 'waiting';

export interface Schedule {
	/** Racks to start now (the current wave's, within the concurrency bound). */
	start: string[];
	/** The wave the fleet is in (the first one not finished); the number of waves once all are. */
	wave: number;
	/** Set once nothing runs and nothing more will start. */
	verdict?: FleetVerdict;
	/** Racks never started: left untouched (set with the verdict). */
	untouched: string[];
	/** More racks failed than the tolerance allows: nothing new starts. */
	overTolerance: boolean;
}

export interface ScheduleRules {
	waves: string[][];
	maxConcurrent: number;
	failureTolerance: number;
}

/**
 * What the fleet does next, given every rack's state. Waves run in order: a wave is over when each
 * of its racks is done or failed, and the next starts only then. Once more racks failed than
 * `failureTolerance`, no rack starts any more; the racks that never started stay untouched.
 */
export function schedule(rules: ScheduleRules, states: Readonly<Record<string, RackState>>): Schedule {
	const stateOf = (rack: string): RackState => states[rack] ?? 'pending';
	const all = rules.waves.flat();
	const running = all.filter(rack => stateOf(rack) === 'running').length;
	const failed = all.filter(rack => stateOf(rack) === 'failed').length;
	const pending = all.filter(rack => stateOf(rack) === 'pending');
	const overTolerance = failed > rules.failureTolerance;
	const current = rules.waves.findIndex(wave => wave.some(rack => stateOf(rack) !== 'done' && stateOf(rack) !== 'failed'));
	const wave = current === -1 ? rules.waves.length : current;
	const ended = (verdict: FleetVerdict): Schedule => ({start: [], wave, verdict, untouched: pending, overTolerance});
	if (overTolerance) return running > 0 ? {start: [], wave, untouched: [], overTolerance} : ended('stopped');
	if (current === -1) return ended('finished');
	const slots = Math.max(0, rules.maxConcurrent - running);
	const start = rules.waves[current]!.filter(rack => stateOf(rack) === 'pending').slice(0, slots);
	if (start.length === 0 && running === 0) return ended('waiting');
	return {start, wave, untouched: [], overTolerance};
}
