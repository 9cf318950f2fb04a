import {createContext, useContext, useState, useSyncExternalStore} from 'react';
import type {Clock} from './clock';

export const ClockContext = createContext<Clock | undefined>(undefined);

const still = () => () => undefined;

/**
 * The screen's time, advancing with its clock while `live`; outside a clock (a component rendered
 * on its own) the time it was first rendered. With `stepMs` it moves only every `stepMs` (a slower
 * clock on the same timer): the ticks in between render nothing.
 */
export function useNow(live = true, stepMs?: number): number {
	const clock = useContext(ClockContext);
	const [rendered] = useState(Date.now);
	const now = clock ? clock.getNow : () => rendered;
	return useSyncExternalStore(clock && live ? clock.subscribe : still, stepMs ? () => now() - (now() % stepMs) : now);
}

/** `now` when the caller fixes the time (a test, a finished step); else the screen's time, moving while `moving`. */
export function useTimeOr(now: number | undefined, moving: boolean): number {
	const clock = useNow(now === undefined && moving);
	return now ?? clock;
}

/** The clock's ticks so far (0 outside a clock). */
export function useTicks(): number {
	const clock = useContext(ClockContext);
	return useSyncExternalStore(clock ? clock.subscribe : still, clock ? clock.getTicks : () => 0);
}
