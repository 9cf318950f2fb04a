import {stepDeclaration, type PaneId} from '../../core/step-declarations';
import {STEP_IDS, type RunEvent, type StepId} from '../../core/types';
import type {CheckRecord} from '../../core/types';
import {initialBuildView, reduceBuildView, type BuildViewState} from '../build-view';
import type {RunStore, ViewReducer} from '../run-store';
import {initialStackView, reduceStackView, type StackViewState} from '../stack-view';
import type {PaneRenderer} from './RunPanes';
import {BuildPane} from './BuildPane';
import {ChecklistPane} from './ChecklistPane';
import {StackPane} from './StackPane';
import {useRunState} from './use-run-state';

/** Each step's live pane and the reducer that keeps its state. */
export const inkReducers: Record<string, ViewReducer> = {
	build: (state, event: RunEvent) => reduceBuildView(state as BuildViewState | undefined, event),
	stack: (state, event: RunEvent) => reduceStackView(state as StackViewState | undefined, event),
};

const NO_BUILD = initialBuildView();
const NO_STACK = initialStackView();
const NO_CHECKS: CheckRecord[] = [];

function LiveBuildPane({store}: {store: RunStore}) {
	const state = useRunState(store, ({views}) => (views.build as BuildViewState | undefined) ?? NO_BUILD);
	return <BuildPane state={state} />;
}

function LiveStackPane({store}: {store: RunStore}) {
	const state = useRunState(store, ({views}) => (views.stack as StackViewState | undefined) ?? NO_STACK);
	return <StackPane state={state} />;
}

function LiveChecklistPane({store}: {store: RunStore}) {
	const checks = useRunState(store, ({run}) => run?.checks ?? NO_CHECKS);
	return <ChecklistPane checks={checks} />;
}

const PANES: Record<PaneId, PaneRenderer> = {
	build: LiveBuildPane,
	stack: LiveStackPane,
	checklist: LiveChecklistPane,
};

/** The pane of each step that declares one. */
export const inkPanes: Partial<Record<StepId, PaneRenderer>> = Object.fromEntries(
	STEP_IDS.flatMap(id => {
		const {pane} = stepDeclaration(id);
		return pane ? [[id, PANES[pane]]] : [];
	}),
);
