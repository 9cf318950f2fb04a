import {Box} from 'ink';
import {useMemo, type ComponentType} from 'react';
import type {StepId, StepRecord} from '../../core/types';
import type {Notice, RunStore} from '../run-store';
import {NoticeList} from './NoticeList';
import {StepList} from './StepList';
import {useRunState} from './use-run-state';

/** A step's live pane: it reads its own slice of the store, so it renders only when that changes. */
export type PaneRenderer = ComponentType<{store: RunStore}>;

export const LIVE_NOTICES = 6;

function currentStep(steps: StepRecord[] | undefined): StepRecord | undefined {
	return (
		steps?.find(step => step.status !== 'done' && step.status !== 'skipped' && step.status !== 'pending') ??
		steps?.find(step => step.status === 'pending')
	);
}

function liveNotices(notices: Notice[], current: StepId): Notice[] {
	return notices.filter(notice => notice.step === current || notice.step === undefined).slice(-LIVE_NOTICES);
}

/**
 * A run's step list, then the current step's recent notices and live pane (none once the run has
 * its outcome). The single run's screen shows its store this way, and a fleet shows a rack's.
 */
export function RunPanes({store, panes, ended = false}: {store: RunStore; panes: Partial<Record<StepId, PaneRenderer>>; ended?: boolean}) {
	const steps = useRunState(store, state => state.run?.steps);
	const notices = useRunState(store, state => state.notices);
	const current = useMemo(() => (ended ? undefined : currentStep(steps)), [steps, ended]);
	const shown = useMemo(() => (current ? liveNotices(notices, current.id) : []), [notices, current]);
	if (!steps) return null;
	const Pane = current ? panes[current.id] : undefined;
	return (
		<>
			<Box marginTop={1}>
				<StepList steps={steps} />
			</Box>
			{current ? (
				<Box flexDirection="column" marginTop={1} paddingLeft={2}>
					<NoticeList notices={shown} />
					{Pane ? <Pane store={store} /> : null}
				</Box>
			) : null}
		</>
	);
}
