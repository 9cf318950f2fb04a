import {Box, Static, Text, useInput} from 'ink';
import {memo, useEffect, useMemo, useState} from 'react';
import type {StepId} from '../../core/types';
import {STEP_TITLES} from '../../core/types';
import {stepDuration} from '../format';
import type {RackStores} from '../rack-stores';
import type {CompletedStep, Notice, RunStore} from '../run-store';
import {ChecklistPane} from './ChecklistPane';
import {Clock} from './clock';
import {LiveFleetTable} from './FleetTable';
import type {Frames} from './frames';
import {Header} from './Header';
import {NoticeList} from './NoticeList';
import {OutcomeView} from './OutcomeView';
import {PromptView} from './PromptView';
import {RackPanes} from './RackPanes';
import {LIVE_NOTICES, RunPanes, type PaneRenderer} from './RunPanes';
import {ClockContext} from './use-clock';
import {useFleetKeys} from './use-fleet-keys';
import {useRunState} from './use-run-state';
import {formatDuration} from '../../core/format-duration';

/** Spinners and elapsed times move once a second: a waiting screen draws one frame a second. */
const CLOCK_MS = 1000;
const NO_NOTICES: Notice[] = [];

function CompletedStepView({completed: {account, step, notices, checks}}: {completed: CompletedStep}) {
	return (
		<Box flexDirection="column">
			<Text>
				<Text color={step.status === 'done' ? 'green' : 'gray'}>{step.status === 'done' ? '✔' : '–'}</Text>{' '}
				<Text bold>{STEP_TITLES[step.id]}</Text>{' '}
				<Text color="gray">
					{account} · {formatDuration(stepDuration(step) ?? 0)}
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

/** Notices said outside a run (a fleet's lines, a lock taken over): the latest few. */
const SessionNotices = memo(function SessionNotices({store}: {store: RunStore}) {
	const notices = useRunState(store, state => (state.run ? NO_NOTICES : state.notices));
	const latest = useMemo(() => notices.slice(-LIVE_NOTICES), [notices]);
	return <NoticeList notices={latest} />;
});

const LiveHeader = memo(Header);

const HINTS = {
	run: 'Ctrl-C stop (the run is journaled; `convox-ami resume` continues)',
	fleet: '↑↓ choose a rack · Enter open its panes · Ctrl-C stop (journaled; `convox-ami resume` continues)',
	rack: 'Esc or Enter back to the fleet table · Ctrl-C stop (journaled; `convox-ami resume` continues)',
} as const;

const KeyHint = memo(function KeyHint({keys}: {keys: keyof typeof HINTS}) {
	return <Text color="gray">{HINTS[keys]}</Text>;
});

export function App({
	store,
	frames,
	onInterrupt,
	panes = {},
	racks,
}: {
	store: RunStore;
	/** The frames Ink writes: a prompt takes keys only once it is on the terminal. */
	frames: Frames;
	onInterrupt: () => void;
	panes?: Partial<Record<StepId, PaneRenderer>>;
	/** A fleet's racks: their panes open from the fleet table. */
	racks?: RackStores;
}) {
	// One frame for the tick and the events waiting for it: the clock flushes the store (and the
	// opened rack's), and every flush of the store (on a tick, or for an event) moves the clock,
	// whose next tick then comes a second later.
	const [clock] = useState(
		() =>
			new Clock(CLOCK_MS, () => {
				store.flushOnTick();
				racks?.flush();
			}),
	);
	useEffect(() => store.subscribe(clock.advance), [store, clock]);
	const completed = useRunState(store, state => state.completed);
	const title = useRunState(store, state => state.title);
	const badges = useRunState(store, state => state.badges);
	const prompt = useRunState(store, state => state.prompt);
	const question = useRunState(store, state => state.question);
	const outcome = useRunState(store, state => state.outcome);
	const fleet = useRunState(store, state => state.fleet);
	useInput((input, key) => {
		if (key.ctrl && input === 'c') onInterrupt();
	});
	// Once the fleet has its outcome, the table is final: nothing to open any more.
	const browsing = racks && !outcome ? fleet : undefined;
	const {highlighted, opened} = useFleetKeys(browsing, !prompt);
	const rack = browsing ? opened : undefined;
	return (
		<ClockContext.Provider value={clock}>
			<CompletedSteps completed={completed} />
			<Box flexDirection="column" marginTop={1}>
				<LiveHeader title={title} badges={badges} />
				<RunPanes store={store} panes={panes} ended={outcome !== undefined} />
				{rack && racks ? (
					<RackPanes key={rack} rack={rack} store={racks.of(rack)} panes={panes} />
				) : fleet ? (
					<LiveFleetTable rows={fleet} highlighted={browsing ? highlighted : undefined} />
				) : null}
				<SessionNotices store={store} />
				{prompt ? (
					<PromptView key={prompt.id} prompt={prompt} frames={frames} />
				) : question ? (
					<PromptView key="shown" prompt={{id: 0, request: question, resolve: () => undefined}} frames={frames} shownOnly />
				) : null}
				{outcome ? <OutcomeView outcome={outcome} /> : null}
				{/* A prompt shows its own keys, once it takes them. */}
				{outcome || prompt || question ? null : <KeyHint keys={rack ? 'rack' : browsing ? 'fleet' : 'run'} />}
			</Box>
		</ClockContext.Provider>
	);
}
