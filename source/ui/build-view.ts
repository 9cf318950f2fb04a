import {buildPhaseLabel} from '../core/step-phases';
import {outputsIn} from '../core/step-outputs';
import type {RunEvent} from '../core/types';

const PHASES_KEPT = 16;
const ERROR_LINES_KEPT = 8;
const LINE_CHARS = 500;

export interface BuildPhaseView {
	id: string;
	label: string;
	/** Time spent in earlier stretches of this phase. */
	elapsedMs: number;
	/** Set while this is the current phase: when it began (ms since the epoch). */
	since?: number;
}

export interface BuildViewState {
	status: 'idle' | 'running' | 'done' | 'failed';
	/** In the order first seen; each phase once. */
	phases: BuildPhaseView[];
	/** The id of the phase the build is in now. */
	current: string | undefined;
	activity?: string;
	/** The last `tailSize` lines, oldest first; a new line makes a new array, never changes this one. */
	tail: readonly string[];
	tailSize: number;
	lineCount: number;
	errors: string[];
	/** The latest warning of the build (cancelling, what a forced stop leaves behind). */
	warning?: string;
	amiIds: Record<string, string>;
	logPath?: string;
}

export function initialBuildView(tailSize = 10): BuildViewState {
	return {
		status: 'idle',
		phases: [],
		current: undefined,
		activity: undefined,
		tail: [],
		tailSize,
		lineCount: 0,
		errors: [],
		warning: undefined,
		amiIds: {},
		logPath: undefined,
	};
}

/**
 * The hot paths (a log line, a new activity) build the next state field by field: one object
 * of a stable shape per event, several times cheaper than a spread per Packer line. A new phase
 * (the only place an event's time is parsed) is rare next to lines.
 */
function withTail(state: BuildViewState, tail: readonly string[]): BuildViewState {
	return {
		status: state.status,
		phases: state.phases,
		current: state.current,
		activity: state.activity,
		tail,
		tailSize: state.tailSize,
		lineCount: state.lineCount + 1,
		errors: state.errors,
		warning: state.warning,
		amiIds: state.amiIds,
		logPath: state.logPath,
	};
}

function withActivity(state: BuildViewState, phases: BuildPhaseView[], current: string, activity: string | undefined): BuildViewState {
	return {
		status: 'running',
		phases,
		current,
		activity,
		tail: state.tail,
		tailSize: state.tailSize,
		lineCount: state.lineCount,
		errors: state.errors,
		warning: state.warning,
		amiIds: state.amiIds,
		logPath: state.logPath,
	};
}

/** The last `tailSize` lines, oldest first. */
export function tailLines(state: BuildViewState): readonly string[] {
	return state.tail;
}

/** How long a phase has taken so far. */
export function phaseElapsed(phase: BuildPhaseView, now: number): number {
	return phase.elapsedMs + (phase.since === undefined ? 0 : Math.max(0, now - phase.since));
}

function clip(line: string): string {
	return line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}…` : line;
}

/** A copy of at most `tailSize` short strings per line: cheap, and no state ever changes under another. */
function pushLine(state: BuildViewState, line: string): BuildViewState {
	const tail = state.tail.slice(Math.max(0, state.tail.length - state.tailSize + 1));
	tail.push(clip(line));
	return withTail(state, tail);
}

function closePhases(phases: BuildPhaseView[], at: number): BuildPhaseView[] {
	return phases.map(phase =>
		phase.since === undefined ? phase : {id: phase.id, label: phase.label, elapsedMs: phaseElapsed(phase, at), since: undefined},
	);
}

function enterPhase(state: BuildViewState, id: string, activity: string | undefined, stamp: string): BuildViewState {
	if (state.current === id) return activity === state.activity ? state : withActivity(state, state.phases, id, activity);
	const at = Date.parse(stamp);
	const phases = state.phases.slice();
	let found = -1;
	for (let index = 0; index < phases.length; index++) {
		const phase = phases[index]!;
		if (phase.since !== undefined) phases[index] = {id: phase.id, label: phase.label, elapsedMs: phaseElapsed(phase, at), since: undefined};
		if (phase.id === id) found = index;
	}
	if (found >= 0) phases[found] = {id, label: phases[found]!.label, elapsedMs: phases[found]!.elapsedMs, since: at};
	else {
		phases.push({id, label: buildPhaseLabel(id), elapsedMs: 0, since: at});
		if (phases.length > PHASES_KEPT) phases.shift();
	}
	return withActivity(state, phases, id, activity);
}

/** The build pane's state after one event; events of other steps leave it as it is. */
export function reduceBuildView(previous: BuildViewState | undefined, event: RunEvent): BuildViewState {
	const state = previous ?? initialBuildView();
	if (!('step' in event) || event.step !== 'build') return state;
	switch (event.type) {
		case 'log':
			return pushLine(state, event.line);
		case 'progress':
			return enterPhase(state, event.phase, event.activity, event.at);
		case 'notice':
			return event.level === 'warn' ? {...state, warning: clip(event.message)} : state;
		case 'checkpoint':
			return event.step === 'build' && event.outputs.logPath ? {...state, logPath: event.outputs.logPath} : state;
		case 'step': {
			if (event.status === 'running') return {...initialBuildView(state.tailSize), status: 'running', logPath: state.logPath};
			const phases = closePhases(state.phases, Date.parse(event.at));
			if (event.status === 'done') {
				const outputs = outputsIn(event, 'build');
				return {
					...state,
					phases,
					current: undefined,
					status: 'done',
					amiIds: outputs?.amiIds ?? {},
					logPath: outputs?.logPath ?? state.logPath,
				};
			}
			if (event.status === 'failed') {
				const errors = (event.error ?? '').split('\n').filter(Boolean).slice(0, ERROR_LINES_KEPT).map(clip);
				return {...state, phases, current: undefined, status: 'failed', errors};
			}
			return state;
		}
		default:
			return state;
	}
}
