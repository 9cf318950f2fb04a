import {InterruptedError} from '../core/errors';
import type {Choice, Prompter} from '../core/prompter';
import type {SessionOutcome} from '../core/session-outcome';
import type {CheckRecord, Run, RunEvent, StepId, StepRecord} from '../core/types';
import {FLEET_CLOCK_STEP_MS, type FleetRow} from './fleet-view';

export type PromptRequest =
	| {kind: 'select'; message: string; choices: Array<Choice<string>>; noDefault?: boolean}
	| {kind: 'confirm'; message: string; defaultValue: boolean}
	| {kind: 'text'; message: string; placeholder?: string; defaultValue?: string; validate?: (value: string) => string | undefined}
	| {kind: 'secret'; message: string};

export interface PendingPrompt {
	id: number;
	request: PromptRequest;
	resolve(value: string | boolean): void;
}

export interface Notice {
	id: number;
	step?: StepId;
	level: 'info' | 'warn' | 'error';
	message: string;
}

/** A finished step as the scrollback keeps it, across every run of the session. */
export interface CompletedStep {
	key: string;
	account: string;
	step: StepRecord;
	notices: Notice[];
	/** The verify step keeps its checklist in the scrollback. */
	checks?: CheckRecord[];
}

export interface UiState {
	run?: Run;
	completed: CompletedStep[];
	title: string;
	badges: string[];
	notices: Notice[];
	/** Each step pane's state, kept by that pane's own reducer. */
	views: Record<string, unknown>;
	prompt?: PendingPrompt;
	/** A question shown before it is asked (the first frame's), taking no keys: the first prompt or the outcome replaces it. */
	question?: PromptRequest;
	outcome?: SessionOutcome;
	/** A fleet run: one row per rack. */
	fleet?: FleetRow[];
}

const NOTICE_LIMIT = 200;

/**
 * The Ink screen draws at most one frame per `FRAME_MS` (its `maxFps`). A step's change is drawn
 * within one frame, not at once: the quick steps' starts and ends share frames, and each change to
 * the state costs a React render and a layout, drawn or not.
 */
export const FRAME_MS = 100;

/** When listeners hear of a change: `now`, within a frame, or within the store's `flushMs`. */
type Urgency = 'now' | 'frame' | 'later';

/** A pane's pure reducer over the event stream (build, stack, checklist views). */
export type ViewReducer = (state: unknown, event: RunEvent, run: Run) => unknown;

type Listener = () => void;

/**
 * The Ink screen's single source of truth. Events arrive as fast as they come; listeners are told
 * at most once per `flushMs`, so a flood of log lines costs one render per frame.
 */
export class RunStore {
	private state: UiState;
	private readonly listeners = new Set<Listener>();
	private readonly queue: Array<{request: PromptRequest; resolve: (value: string | boolean) => void; reject: (error: Error) => void}> = [];
	private timer: NodeJS.Timeout | undefined;
	private timerDue = 0;
	/** Fleet rows held back from the clock's ticks (see `setFleet`), and when they are due. */
	private held: {fleet: FleetRow[]; due: number} | undefined;
	private nextId = 1;

	constructor(
		title: string,
		private readonly reducers: Record<string, ViewReducer> = {},
		private readonly flushMs = 50,
	) {
		this.state = {title, badges: [], notices: [], views: {}, completed: []};
	}

	getState = (): UiState => this.state;

	subscribe = (listener: Listener): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	private update(patch: Partial<UiState>, urgency: Urgency = 'later'): void {
		this.state = {...this.state, ...patch};
		// A store nobody watches (a fleet rack whose panes are closed) only keeps its state.
		if (this.listeners.size === 0) return;
		if (urgency === 'now') {
			this.flush();
			return;
		}
		this.schedule(urgency === 'frame' ? Math.min(FRAME_MS, this.flushMs) : this.flushMs);
	}

	/** One timer: a flush wanted sooner than the one scheduled takes its place. */
	private schedule(delayMs: number): void {
		const due = Date.now() + delayMs;
		if (this.timer && this.timerDue <= due) return;
		clearTimeout(this.timer);
		this.timerDue = due;
		this.timer = setTimeout(() => this.flush(), delayMs);
	}

	/** Tells the listeners now, fleet rows held back included: a frame drawn anyway shows them. */
	flush = (): void => {
		if (this.held) this.state = {...this.state, fleet: this.held.fleet};
		this.held = undefined;
		clearTimeout(this.timer);
		this.timer = undefined;
		for (const listener of this.listeners) listener();
	};

	/**
	 * The screen clock's tick: what waits for a frame is drawn, fleet rows held back only once they
	 * are due (a tick with nothing else to draw renders nothing).
	 */
	flushOnTick = (): void => {
		const now = Date.now();
		if (!this.held || now >= this.held.due) {
			this.flush();
			return;
		}
		clearTimeout(this.timer);
		this.timer = undefined;
		this.schedule(this.held.due - now);
		for (const listener of this.listeners) listener();
	};

	/** The header's badges before a run is attached. */
	setBadges(badges: string[]): void {
		this.update({badges}, 'now');
	}

	/** A new run of the session takes the screen: its own header, panes and notices. */
	attach(title: string, badges: string[], run: Run): void {
		this.update({title, badges, run, views: {}, notices: []}, 'now');
	}

	/**
	 * A fleet's rows. Rows `hold` marks (a rack's step or state moved) cause no frame of their own:
	 * they are drawn with the next frame drawn anyway, at the latest when the fleet table's elapsed
	 * times next move (every `FLEET_CLOCK_STEP_MS`), in the same frame.
	 */
	setFleet(fleet: FleetRow[], {hold = false}: {hold?: boolean} = {}): void {
		if (!hold || this.listeners.size === 0) {
			this.held = undefined;
			this.update({fleet});
			return;
		}
		const now = Date.now();
		const due = this.held?.due ?? now - (now % FLEET_CLOCK_STEP_MS) + FLEET_CLOCK_STEP_MS;
		this.held = {fleet, due};
		this.schedule(due - now);
	}

	addNotice(notice: Omit<Notice, 'id'>): void {
		const notices = [...this.state.notices, {...notice, id: this.nextId++}];
		this.update({notices: notices.length > NOTICE_LIMIT ? notices.slice(-NOTICE_LIMIT) : notices});
	}

	onEvent(event: RunEvent, run: Run): void {
		const patch: Partial<UiState> = {run};
		let views: Record<string, unknown> | undefined;
		for (const [name, reducer] of Object.entries(this.reducers)) {
			const before = this.state.views[name];
			const after = reducer(before, event, run);
			if (after !== before) {
				views ??= {...this.state.views};
				views[name] = after;
			}
		}
		if (views) patch.views = views;
		if (event.type === 'step' && (event.status === 'done' || event.status === 'skipped')) {
			const step = run.steps.find(record => record.id === event.step)!;
			const notices = (patch.notices ?? this.state.notices).filter(notice => notice.step === event.step).slice(-8);
			const checks = event.step === 'verify' ? {checks: run.checks} : {};
			patch.completed = [
				...this.state.completed,
				{key: `${run.id}:${event.step}:${step.attempts}`, account: run.env, step, notices, ...checks},
			];
		}
		if (event.type === 'notice')
			patch.notices = [
				...this.state.notices,
				{id: this.nextId++, level: event.level, message: event.message, ...(event.step ? {step: event.step} : {})},
			].slice(-NOTICE_LIMIT);
		if (event.type === 'run' && event.message)
			patch.notices = [...this.state.notices, {id: this.nextId++, level: 'warn' as const, message: event.message}].slice(-NOTICE_LIMIT);
		if (event.type === 'error')
			patch.notices = [
				...this.state.notices,
				{id: this.nextId++, level: 'error' as const, message: event.message, ...(event.step ? {step: event.step} : {})},
			].slice(-NOTICE_LIMIT);
		this.update(patch, event.type === 'step' || event.type === 'run' ? 'frame' : 'later');
	}

	setOutcome(outcome: SessionOutcome): void {
		this.update({outcome, question: undefined}, 'now');
	}

	showQuestion(question: PromptRequest): void {
		this.update({question}, 'now');
	}

	ask(request: PromptRequest): Promise<string | boolean> {
		return new Promise((resolve, reject) => {
			this.queue.push({request, resolve, reject});
			if (!this.state.prompt) this.showNext();
		});
	}

	private showNext(): void {
		const next = this.queue[0];
		if (!next) {
			this.update({prompt: undefined}, 'now');
			return;
		}
		const id = this.nextId++;
		this.update(
			{
				question: undefined,
				prompt: {
					id,
					request: next.request,
					resolve: value => {
						this.queue.shift();
						next.resolve(value);
						this.showNext();
					},
				},
			},
			'now',
		);
	}

	/** Ctrl-C stopped the run: every open question is answered with an interruption. */
	cancelPrompts(): void {
		for (const pending of this.queue.splice(0)) pending.reject(new InterruptedError('Interrupted at a prompt.'));
		this.update({prompt: undefined, question: undefined}, 'now');
	}

	prompter({yes}: {yes: boolean}): Prompter {
		return {
			interactive: true,
			select: async ({message, choices, noDefault}) =>
				(await this.ask({kind: 'select', message, choices, ...(noDefault ? {noDefault} : {})})) as (typeof choices)[number]['value'],
			confirm: async ({message, defaultValue}) =>
				yes ? true : ((await this.ask({kind: 'confirm', message, defaultValue: defaultValue ?? true})) as boolean),
			text: async ({message, placeholder, defaultValue, validate}) =>
				(await this.ask({
					kind: 'text',
					message,
					...(placeholder ? {placeholder} : {}),
					...(defaultValue ? {defaultValue} : {}),
					...(validate ? {validate} : {}),
				})) as string,
			secret: async ({message}) => (await this.ask({kind: 'secret', message})) as string,
		};
	}
}
