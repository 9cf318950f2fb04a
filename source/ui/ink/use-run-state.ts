import {useSyncExternalStore} from 'react';
import type {RunStore, UiState} from '../run-store';

/**
 * One slice of the screen's state: the component renders again only when that slice changes, so an
 * event that changes nothing it shows costs it nothing. `select` must return a part of the state
 * as it is (derive from it with useMemo), never a new object.
 */
export function useRunState<T>(store: RunStore, select: (state: UiState) => T): T {
	return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
