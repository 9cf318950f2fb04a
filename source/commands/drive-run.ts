import {readFileSync} from 'node:fs';
import {configPathOf} from '../config/config-file';
import type {CommandInput} from '../core/command-input';
import type {ExitCode} from '../core/errors';
import {modelOfFlags} from '../core/run-mode';
import {sessionBadges} from '../ui/format';
import {createFrontEnd} from '../ui/front-end';
import {detectOutputMode} from '../ui/output-mode';
import {firstAccountQuestion} from '../workflow/account-choice';
import type {SessionCommand} from '../workflow/session-world';
import type {StateLock} from '../workflow/state-lock';
import {wireSignals} from './signals';

/**
 * release, checklist, rollback and resume: the screen first, so the operator sees it at once; the
 * session (journal, locks, config, SDK and steps) loads behind its first frame (drive-session.ts).
 */
export async function driveRun(input: CommandInput, command: SessionCommand): Promise<ExitCode> {
	const {flags} = input;
	const held: {lock?: StateLock} = {};
	const signals = wireSignals(() => held.lock?.release());
	// createFrontEnd draws the first frame before its first await: nothing below loads ahead of it.
	const [frontEnd, {driveSession}] = await Promise.all([
		createFrontEnd(detectOutputMode({json: flags.json, yes: flags.yes}, process.env), {
			yes: flags.yes,
			onInterrupt: signals.onSignal,
			badges: sessionBadges(modelOfFlags(flags)),
			question: firstAccountQuestion(input, () => readFileSync(configPathOf(input.configPath), 'utf8')),
		}),
		import('./drive-session'),
	]);
	return await driveSession(input, command, {frontEnd, signals, held});
}
