import type {CommandInput} from '../core/command-input';
import type {ExitCode} from '../core/errors';
import {runSession, type SessionWiring} from '../workflow/run-session';
import type {SessionCommand} from '../workflow/session-world';
import {openSharedState} from './open-state';
import {openedWorld} from './session-world';
import {startRehearsal} from './start-rehearsal';

/** What drive-run.ts starts behind the screen's first frame: the session, handed where its state, config and rehearsal come from. */
export function driveSession(input: CommandInput, command: SessionCommand, wiring: SessionWiring): Promise<ExitCode> {
	return runSession(input, command, wiring, {
		sharedState: () => openSharedState(input),
		loadConfig: async () => openedWorld(await (await import('../config/load-config')).loadConfig(input.configPath)),
		async startRehearsal(options) {
			const rehearsal = await startRehearsal(input.stateDir, options);
			return {...openedWorld(rehearsal.config, rehearsal), stop: () => rehearsal.stop()};
		},
	});
}
