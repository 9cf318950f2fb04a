import type {CommandInput} from '../core/command-input';
import {EXIT, InterruptedError, OperatorError, errorText, type ExitCode} from '../core/errors';
import type {SessionOutcome} from '../core/session-outcome';
import {JournalStore} from './journal-store';
import {sessionStart} from './run-request';
import {Session} from './session';
import type {OpenedWorld, SessionCommand, SessionFrontEnd, SessionOpening, SessionSignals, SessionWorld} from './session-world';
import {acquireStateLock, takeOverNotice, type StateLock} from './state-lock';
import type {SharedState} from './state-mirror';

/** What the command wired before the session loaded: the front end, the signals, and where it keeps the lock a second signal releases. */
export interface SessionWiring {
	frontEnd: SessionFrontEnd;
	signals: SessionSignals;
	held: {lock?: StateLock};
}

/**
 * One session from its command line to its last word: the shared state pulled into the state dir once
 * that is locked, the config loaded (or the rehearsal started), the session driven, its outcome told;
 * whatever ended it, the rehearsal stopped, the journal pushed to the shared state, the lock released.
 */
export async function runSession(
	input: CommandInput,
	command: SessionCommand,
	{frontEnd, signals, held}: SessionWiring,
	opening: SessionOpening,
): Promise<ExitCode> {
	const {flags} = input;
	const {interrupts} = signals;
	const lockName = `convox-ami ${command}`;
	let opened: OpenedWorld | undefined;
	let shared: SharedState | undefined;
	let world: SessionWorld | undefined;
	interrupts.signal.addEventListener('abort', () => frontEnd.interrupted());
	// Notifications still on their way are given their deadline before the last word.
	const end = async (outcome: SessionOutcome) => {
		await world?.notificationsSettled();
		await frontEnd.end(outcome);
	};
	try {
		shared = await opening.sharedState();
		if (shared) {
			// The working copy is locked before the bucket is pulled into it.
			held.lock = await acquireStateLock(input.stateDir, lockName);
			await shared.mirror.pull();
		}
		const store = new JournalStore(input.stateDir, shared?.mirror);
		const sessionInput = {command, ...(input.args[0] ? {runId: input.args[0]} : {}), flags, stateDir: input.stateDir};
		const start = await sessionStart(sessionInput, store);
		const rehearse = start.model.world === 'rehearsal';
		// A config that does not load leaves no trace, not even an empty state dir.
		if (!rehearse) opened = await opening.loadConfig();
		await store.ensureWritable();
		held.lock ??= await acquireStateLock(input.stateDir, lockName);
		if (rehearse)
			opened = await opening.startRehearsal({
				...(start.fleet ? {fleet: start.fleet.name} : {}),
				...(shared?.rehearsalWorld ? {worldDir: shared.rehearsalWorld} : {}),
			});
		world = opened!.sessionWorld(store, frontEnd.say);
		const session = new Session(sessionInput, store, frontEnd, interrupts, world, start.model);
		const takeOver = takeOverNotice(input.stateDir, held.lock);
		const outcome = await session.drive(start, [...(shared?.advice ? [shared.advice] : []), ...(takeOver ? [takeOver] : [])]);
		await end(outcome);
		return outcome.exitCode;
	} catch (error) {
		const operatorError = error instanceof OperatorError ? error : interrupts.signal.aborted ? new InterruptedError() : undefined;
		const outcome: SessionOutcome = {
			exitCode: operatorError?.exitCode ?? EXIT.failed,
			message: operatorError?.message ?? errorText(error),
			...(operatorError?.hint ? {hint: operatorError.hint} : {}),
		};
		await end(outcome);
		return outcome.exitCode;
	} finally {
		signals.release();
		await opened?.stop?.();
		// Whatever ended the session, what was journaled reaches the shared state before it closes.
		await shared?.mirror.settled().catch(() => undefined);
		await shared?.close();
		held.lock?.release();
	}
}
