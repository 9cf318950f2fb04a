import {runBadges, runTitle} from './format';
import {RunStore, type ViewReducer} from './run-store';
import type {EventSink} from '../core/types';

/**
 * One store per rack of a fleet, fed from the rack's own events with the panes' reducers, so that
 * any rack's panes can be opened from the fleet table. Only the opened rack's store is watched: the
 * others keep their state and draw nothing.
 */
export class RackStores {
	private readonly stores = new Map<string, RunStore>();

	constructor(
		private readonly reducers: Record<string, ViewReducer>,
		private readonly flushMs: number,
	) {}

	of(rack: string): RunStore {
		let store = this.stores.get(rack);
		if (!store) {
			store = new RunStore(rack, this.reducers, this.flushMs);
			this.stores.set(rack, store);
		}
		return store;
	}

	/** A rack's events; a run of its own (the rack's rollback) takes its panes over, as a new run takes the screen. */
	sink(rack: string): EventSink {
		const store = this.of(rack);
		return (event, run) => {
			if (store.getState().run?.id !== run.id) store.attach(runTitle(run), runBadges(run), run);
			store.onEvent(event, run);
		};
	}

	/** The screen's clock flushes the opened rack with the fleet, in the same frame. */
	flush = (): void => {
		for (const store of this.stores.values()) store.flush();
	};
}
