import type {StepId} from '../../workflow/types';
import type {ViewReducer} from '../run-store';
import type {PaneRenderer} from './App';

/** Each step's live pane and the reducer that keeps its state. */
export const inkReducers: Record<string, ViewReducer> = {};
export const inkPanes: Partial<Record<StepId, PaneRenderer>> = {};
