import type {RunEvent, StepId} from '../../workflow/types';
import {initialBuildView, reduceBuildView, type BuildViewState} from '../build-view';
import type {ViewReducer} from '../run-store';
import {initialStackView, reduceStackView, type StackViewState} from '../stack-view';
import type {PaneRenderer} from './App';
import {BuildPane} from './BuildPane';
import {ChecklistPane} from './ChecklistPane';
import {StackPane} from './StackPane';

/** Each step's live pane and the reducer that keeps its state. */
export const inkReducers: Record<string, ViewReducer> = {
	build: (state, event: RunEvent) => reduceBuildView(state as BuildViewState | undefined, event),
	stack: (state, event: RunEvent) => reduceStackView(state as StackViewState | undefined, event),
};

export const inkPanes: Partial<Record<StepId, PaneRenderer>> = {
	build: ({views}, now) => <BuildPane state={(views.build as BuildViewState | undefined) ?? initialBuildView()} now={now} />,
	'update-stack': ({views}, now) => <StackPane state={(views.stack as StackViewState | undefined) ?? initialStackView()} now={now} />,
	verify: ({run}, now) => <ChecklistPane checks={run?.checks ?? []} now={now} />,
};
