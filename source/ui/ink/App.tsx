import {Box, Static, Text, useInput} from 'ink';
import {memo, useEffect, useMemo, useState, type ComponentType} from 'react';
import type {StepId, StepRecord} from '../../workflow/types';
import {STEP_TITLES} from '../../workflow/types';
import {stepDuration} from '../format';
import type {CompletedStep, Notice, RunStore} from '../run-store';
import {ChecklistPane} from './ChecklistPane';
import {Clock} from './clock';
import {LiveFleetTable} from './FleetTable';
import {Header} from './Header';
import {NoticeList} from './NoticeList';
import {OutcomeView} from './OutcomeView';
import {PromptView} from './PromptView';
import {StepList} from './StepList';
import {ClockContext} from './use-clock';
import {useRunState} from './use-run-state';
import {formatDuration} from '../../format-duration';

/** A step's live pane: it reads its own slice of the store, so it renders only when that changes. */
export type PaneRenderer = ComponentType<{store: RunStore}>;

const LIVE_NOTICES = 6;
/** Spinners and elapsed times move once a second: a waiting screen draws one frame a second. */
const CLOCK_MS = 1000;

function CompletedStepView({completed: {env, step, notices, checks}}: {completed: CompletedStep}) {
	return (
		<Box flexDirection="column">
			<Text>
				<Text color={step.status === 'done' ? 'green' : 'gray'}>{step.status === 'done' ? '✔' : '–'}</Text>{' '}
				<Text bold>{STEP_TITLES[step.id]}</Text>{' '}
				<Text color="gray">
					{env} · {formatDuration(stepDuration(step) ?? 0)}
				</Text>
			</Text>
			<Box paddingLeft={2} flexDirection="column">
				<NoticeList notices={notices} />
				{checks ? <ChecklistPane checks={checks} now={Date.parse(step.endedAt ?? step.startedAt ?? '') || 0} /> : null}
			</Box>
		</Box>
	);
}

/** Finished steps are printed once, above the live area, and never drawn again. */
const CompletedSteps = memo(function CompletedSteps({completed}: {completed: CompletedStep[]}) {
	return <Static items={completed}>{item => <CompletedStepView key={item.key} completed={item} />}</Static>;
});

function currentStep(steps: StepRecord[] | undefined): StepRecord | undefined {
	return (
		steps?.find(step => step.status !== 'done' && step.status !== 'skipped' && step.status !== 'pending') ??
		steps?.find(step => step.status === 'pending')
	);
}

function liveNotices(notices: Notice[], current: StepId | undefined): Notice[] {
	return notices.filter(notice => (current ? notice.step === current : true) || notice.step === undefined).slice(-LIVE_NOTICES);
}

const LiveHeader = memo(Header);

const KeyHint = memo(function KeyHint({prompting}: {prompting: boolean}) {
	return (
		<Text color="gray">
			{prompting ? '↑↓ choose · Enter answer · Ctrl-C stop' : 'Ctrl-C stop (the run is journaled; `convox-ami resume` continues)'}
		</Text>
	);
});

export function App({
	store,
	onInterrupt,
	panes = {},
}: {
	store: RunStore;
	onInterrupt: () => void;
	panes?: Partial<Record<StepId, PaneRenderer>>;
}) {
	// One frame for the tick and the events waiting for it: the clock flushes the store, and every
	// flush (on a tick, or for an event) moves the clock, whose next tick then comes a second later.
	const [clock] = useState(() => new Clock(CLOCK_MS, store.flush));
	useEffect(() => store.subscribe(clock.advance), [store, clock]);
	const completed = useRunState(store, state => state.completed);
	const title = useRunState(store, state => state.title);
	const badges = useRunState(store, state => state.badges);
	const steps = useRunState(store, state => state.run?.steps);
	const notices = useRunState(store, state => state.notices);
	const prompt = useRunState(store, state => state.prompt);
	const outcome = useRunState(store, state => state.outcome);
	useInput((input, key) => {
		if (key.ctrl && input === 'c') onInterrupt();
	});
	const current = useMemo(() => currentStep(steps), [steps]);
	const shownNotices = useMemo(
		() => (steps ? (current && !outcome ? liveNotices(notices, current.id) : []) : notices.slice(-LIVE_NOTICES)),
		[steps, current, outcome, notices],
	);
	const Pane = current ? panes[current.id] : undefined;
	return (
		<ClockContext.Provider value={clock}>
			<CompletedSteps completed={completed} />
			<Box flexDirection="column" marginTop={1}>
				<LiveHeader title={title} badges={badges} />
				{steps ? (
					<Box marginTop={1}>
						<StepList steps={steps} />
					</Box>
				) : null}
				{current && !outcome ? (
					<Box flexDirection="column" marginTop={1} paddingLeft={2}>
						<NoticeList notices={shownNotices} />
						{Pane ? <Pane store={store} /> : null}
					</Box>
				) : null}
				<LiveFleetTable store={store} />
				{!steps ? <NoticeList notices={shownNotices} /> : null}
				{prompt ? <PromptView key={prompt.id} prompt={prompt} /> : null}
				{outcome ? <OutcomeView outcome={outcome} /> : null}
				{outcome ? null : <KeyHint prompting={prompt !== undefined} />}
			</Box>
		</ClockContext.Provider>
	);
}
