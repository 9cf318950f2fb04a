import type {Run, RunEvent, StepId} from '../../workflow/types';
import {initialBuildView, reduceBuildView, type BuildViewState} from '../build-view';
import {initialChecklistView, reduceChecklistView, type ChecklistViewState} from '../checklist-view';
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
	checklist: (state, event: RunEvent, run: Run) => reduceChecklistView((state as ChecklistViewState | undefined) ?? initialChecklistView(run.checks), event),
};

export const inkPanes: Partial<Record<StepId, PaneRenderer>> = {
	build: ({views}, now) => <BuildPane state={(views.build as BuildViewState | undefined) ?? initialBuildView()} now={now} />,
	'update-stack': ({views}, now) => <StackPane state={(views.stack as StackViewState | undefined) ?? initialStackView()} now={now} />,
	verify: ({views, run}, now) => <ChecklistPane state={(views.checklist as ChecklistViewState | undefined) ?? initialChecklistView(run?.checks)} now={now} />,
};
