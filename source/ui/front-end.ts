import type {FleetSink} from '../core/fleet-events';
import type {FirstQuestion, Prompter} from '../core/prompter';
import type {Run, EventSink} from '../core/types';
import type {FleetTag} from './fleet-reporter';
import {drawFirstFrame} from './first-frame';
import {runBadges, runTitle} from './format';
import type {OutputMode} from './output-mode';
import type {SessionOutcome} from '../core/session-outcome';
import {createUnattendedPrompter} from './unattended-prompter';

export interface FleetIdentity {
	fleet: string;
	fleetRunId: string;
}

/** One renderer of the event stream (a run's, a fleet's) plus the way it asks questions. */
export interface FrontEnd {
	readonly prompter: Prompter;
	readonly sink: EventSink;
	/** Where a fleet's events and its racks' run events go: each renderer shows them its way. */
	fleet(tag: FleetTag): FleetSink;
	/** Something to say before or outside a run (a lock taken over, a listing). */
	say(level: 'info' | 'warn', message: string): void;
	attach(run: Run): void;
	/** A fleet is driven: what is said outside a rack's run (its notices, its last error) names it. */
	attachFleet(fleet: FleetIdentity): void;
	/** The run was interrupted: questions still open are answered with the interruption. */
	interrupted(): void;
	end(outcome: SessionOutcome): Promise<void>;
}

function printOutcome(outcome: SessionOutcome, write: (text: string) => void): void {
	const lines = [
		outcome.message,
		outcome.hint,
		outcome.report ? `Report: ${outcome.report}` : undefined,
		outcome.journal ? `Journal: ${outcome.journal}` : undefined,
	].filter(Boolean);
	write(`${lines.join('\n')}\n`);
}

/**
 * `badges` mark the screen from its first frame, before a run (and its own badges) is attached;
 * `question`, the one the run will ask first, is shown from the first frame too (it takes keys once
 * the run asks it).
 */
export async function createFrontEnd(
	mode: OutputMode,
	{yes, onInterrupt, badges, question}: {yes: boolean; onInterrupt: () => void; badges: string[]; question?: FirstQuestion | undefined},
): Promise<FrontEnd> {
	if (mode.renderer === 'ink') {
		const shown = mode.canPrompt ? question : undefined;
		const firstFrame = drawFirstFrame({stdout: process.stdout, stdin: process.stdin, onInterrupt}, badges, shown);
		const [{mountInk}, {inkPanes, inkReducers}, {inkFleetSink}] = await Promise.all([
			import('./ink/mount'),
			import('./ink/panes'),
			import('./fleet-reporter'),
		]);
		firstFrame.clear();
		const screen = mountInk({
			title: '',
			badges,
			onInterrupt,
			reducers: inkReducers,
			panes: inkPanes,
			...(shown ? {question: {kind: 'select', ...shown}} : {}),
		});
		const say = (level: 'info' | 'warn', message: string) => screen.store.addNotice({level, message});
		return {
			prompter: mode.canPrompt ? screen.store.prompter({yes}) : createUnattendedPrompter({yes}),
			sink: (event, run) => screen.store.onEvent(event, run),
			fleet: tag =>
				inkFleetSink(tag, {
					setFleet: (rows, options) => screen.store.setFleet(rows, options),
					rackPanes: rack => screen.racks.sink(rack),
					say,
				}),
			say,
			attach: run => screen.store.attach(runTitle(run), runBadges(run), run),
			attachFleet: () => undefined,
			interrupted: () => screen.store.cancelPrompts(),
			async end(outcome) {
				screen.store.setOutcome(outcome);
				await screen.unmount();
			},
		};
	}
	// Loaded here, not up front: the first frame is drawn before anything it does not need.
	const [{createEnquirerPrompter}, {createJsonReporter}, {createPlainReporter}, {jsonFleetSink, plainFleetSink}] = await Promise.all([
		import('./plain/enquirer-prompter'),
		import('./plain/json-reporter'),
		import('./plain/plain-reporter'),
		import('./fleet-reporter'),
	]);
	const stderr = (text: string) => process.stderr.write(text);
	const stdout = (text: string) => process.stdout.write(text);
	const enquirer = mode.canPrompt ? createEnquirerPrompter(onInterrupt) : undefined;
	const prompter = enquirer ?? createUnattendedPrompter({yes});
	const interrupted = () => enquirer?.interrupted();
	if (mode.renderer === 'json') {
		let attached = false;
		// A fleet's own lines carry its name and run id (the fleet run's id stands as their runId).
		let context: {fleet?: string; fleetRunId?: string; runId?: string} = {};
		return {
			prompter,
			sink: createJsonReporter(),
			fleet: tag => jsonFleetSink(tag, stdout),
			say: (level, message) => process.stdout.write(`${JSON.stringify({type: 'notice', level, message, ...context})}\n`),
			attach: () => {
				attached = true;
			},
			attachFleet: ({fleet, fleetRunId}) => {
				context = {fleet, fleetRunId, runId: fleetRunId};
			},
			interrupted,
			async end(outcome) {
				// Inside a run the runner has emitted the error event already; before one, or for a fleet, say it here.
				if (!attached && outcome.exitCode !== 0)
					process.stdout.write(
						`${JSON.stringify({type: 'error', message: outcome.message, ...(outcome.hint ? {hint: outcome.hint} : {}), ...context})}\n`,
					);
				printOutcome(outcome, stderr);
			},
		};
	}
	return {
		prompter,
		sink: createPlainReporter(),
		fleet: tag => plainFleetSink(tag, stdout),
		say: (level, message) => process.stdout.write(`${level === 'warn' ? '! ' : ''}${message}\n`),
		attach: () => undefined,
		attachFleet: () => undefined,
		interrupted,
		end: async outcome => printOutcome(outcome, outcome.exitCode === 0 ? text => process.stdout.write(text) : stderr),
	};
}
