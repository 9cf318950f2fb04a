import {Box, Static, Text, useInput} from 'ink';
import {useEffect, useState, useSyncExternalStore, type ReactNode} from 'react';
import type {StepId} from '../../workflow/types';
import {STEP_TITLES} from '../../workflow/types';
import {stepDuration} from '../format';
import type {RunStore, UiState} from '../run-store';
import {ChecklistPane} from './ChecklistPane';
import {FleetTable} from './FleetTable';
import {Header} from './Header';
import {NoticeList} from './NoticeList';
import {OutcomeView} from './OutcomeView';
import {PromptView} from './PromptView';
import {StepList} from './StepList';
import {formatDuration} from '../../format-duration';

export type PaneRenderer = (state: UiState, now: number) => ReactNode;

const LIVE_NOTICES = 6;

function useNow(active: boolean): number {
	const [now, setNow] = useState(Date.now());
	useEffect(() => {
		if (!active) return;
		const timer = setInterval(() => setNow(Date.now()), 1000);
		return () => clearInterval(timer);
	}, [active]);
	return now;
}

export function App({store, onInterrupt, panes = {}}: {store: RunStore; onInterrupt: () => void; panes?: Partial<Record<StepId, PaneRenderer>>}) {
	const state = useSyncExternalStore(store.subscribe, store.getState);
	const {run, prompt, outcome} = state;
	const now = useNow(!outcome);
	useInput((input, key) => {
		if (key.ctrl && input === 'c') onInterrupt();
	});
	const current = run?.steps.find(step => step.status !== 'done' && step.status !== 'skipped' && step.status !== 'pending') ?? run?.steps.find(step => step.status === 'pending');
	const currentNotices = state.notices.filter(notice => (current ? notice.step === current.id : true) || notice.step === undefined).slice(-LIVE_NOTICES);
	const pane = current ? panes[current.id]?.(state, now) : undefined;
	return (
		<>
			<Static items={state.completed}>
				{({key, env, step, notices, checks}) => (
					<Box key={key} flexDirection="column">
						<Text>
							<Text color={step.status === 'done' ? 'green' : 'gray'}>{step.status === 'done' ? '✔' : '–'}</Text> <Text bold>{STEP_TITLES[step.id]}</Text>{' '}
							<Text color="gray">
								{env} · {formatDuration(stepDuration(step) ?? 0)}
							</Text>
						</Text>
						<Box paddingLeft={2} flexDirection="column">
							<NoticeList notices={notices} />
							{checks ? <ChecklistPane checks={checks} now={Date.parse(step.endedAt ?? step.startedAt ?? '') || 0} /> : null}
						</Box>
					</Box>
				)}
			</Static>
			<Box flexDirection="column" marginTop={1}>
				<Header title={state.title} badges={state.badges} />
				{run ? (
					<Box marginTop={1}>
						<StepList steps={run.steps} now={now} />
					</Box>
				) : null}
				{current && !outcome ? (
					<Box flexDirection="column" marginTop={1} paddingLeft={2}>
						<NoticeList notices={currentNotices} />
						{pane}
					</Box>
				) : null}
				{state.fleet ? <FleetTable rows={state.fleet} now={now} /> : null}
				{!run ? <NoticeList notices={state.notices.slice(-LIVE_NOTICES)} /> : null}
				{prompt ? <PromptView key={prompt.id} prompt={prompt} /> : null}
				{outcome ? <OutcomeView outcome={outcome} /> : null}
				{outcome ? null : <Text color="gray">{prompt ? '↑↓ choose · Enter answer · Ctrl-C stop' : 'Ctrl-C stop (the run is journaled; `convox-ami resume` continues)'}</Text>}
			</Box>
		</>
	);
}
