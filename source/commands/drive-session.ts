import type {Rehearsal} from '../rehearsal/rehearsal';
import type {FrontEnd} from '../ui/front-end';
import {EXIT, InterruptedError, OperatorError, type ExitCode} from '../core/errors';
import {JournalStore} from '../workflow/journal-store';
import {sessionStart} from '../workflow/run-request';
import {Session} from '../workflow/session';
import type {SessionCommand} from '../workflow/session-world';
import {acquireStateLock, type StateLock} from '../workflow/state-lock';
import type {SignalWiring} from './signals';
import {createNotifier, type Notifier} from '../services/notifications';
import type {Outcome} from '../ui/run-store';
import type {CommandInput} from '../core/command-input';
import {openSharedState, type SharedState} from './open-state';
import {sessionWorld} from './session-world';

/**
 * What drive-run.ts starts behind the screen's first frame: lock the state dir, hand the session its
 * world, report. `held.lock` is the lock a second signal releases on its way out.
 */
export async function driveSession(
	input: CommandInput,
	command: SessionCommand,
	{frontEnd, signals, held}: {frontEnd: FrontEnd; signals: SignalWiring; held: {lock?: StateLock}},
): Promise<ExitCode> {
	const {flags} = input;
	const {interrupts} = signals;
	let rehearsal: Rehearsal | undefined;
	let shared: SharedState | undefined;
	let notifier: Notifier | undefined;
	interrupts.signal.addEventListener('abort', () => frontEnd.interrupted());
	// Notifications still on their way are given their deadline before the last word.
	const end = async (outcome: Outcome) => {
		await notifier?.settled();
		await frontEnd.end(outcome);
	};
	try {
		shared = await openSharedState(input);
		if (shared) {
			// The working copy is locked before the bucket is pulled into it.
			held.lock = await acquireStateLock(input.stateDir, `convox-ami ${command}`);
			await shared.mirror.pull();
		}
		const store = new JournalStore(input.stateDir, shared?.mirror);
		const sessionInput = {
			command,
			...(input.args[0] ? {runId: input.args[0]} : {}),
			flags,
			stateDir: input.stateDir,
		};
		const start = await sessionStart(sessionInput, store);
		const rehearse = start.model.world === 'rehearsal';
		// A config that does not load leaves no trace, not even an empty state dir.
		const configured = rehearse ? undefined : await (await import('../config/load-config')).loadConfig(input.configPath);
		await store.ensureWritable();
		held.lock ??= await acquireStateLock(input.stateDir, `convox-ami ${command}`);
		rehearsal = rehearse
			? await (
					await import('../rehearsal/rehearsal')
				).startRehearsal(input.stateDir, {
					...(start.fleet ? {fleet: start.fleet.name} : {}),
					...(shared?.rehearsalWorld ? {worldDir: shared.rehearsalWorld} : {}),
				})
			: undefined;
		const loaded = rehearsal?.config ?? configured!;
		if (loaded.config.notify?.length)
			notifier = createNotifier({targets: loaded.config.notify, environment: process.env, say: frontEnd.say});
		const world = sessionWorld(loaded, {store, rehearsal, notifier});
		const session = new Session(sessionInput, store, frontEnd, interrupts, world, start.model);
		const {takenOver} = held.lock;
		const outcome = await session.drive(start, [
			...(shared?.advice ? [shared.advice] : []),
			...(takenOver
				? [`Took over the lock of ${input.stateDir} left by pid ${takenOver.pid} (${takenOver.command}), which is no longer running.`]
				: []),
		]);
		await end(outcome);
		return outcome.exitCode;
	} catch (error) {
		const operatorError = error instanceof OperatorError ? error : interrupts.signal.aborted ? new InterruptedError() : undefined;
		await end({
			exitCode: operatorError?.exitCode ?? EXIT.failed,
			message: (operatorError ?? (error as Error)).message,
			...(operatorError?.hint ? {hint: operatorError.hint} : {}),
		});
		return operatorError?.exitCode ?? EXIT.failed;
	} finally {
		signals.release();
		await rehearsal?.stop();
		// Whatever ended the session, what was journaled reaches the shared state before it closes.
		await shared?.mirror.settled().catch(() => undefined);
		await shared?.close();
		held.lock?.release();
	}
}
