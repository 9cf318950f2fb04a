import type {CommandInput} from '../core/command-input';
import {StateMirror, type SharedState} from '../workflow/state-mirror';

/** The shared state of this command (S3, or under --rehearse the rehearsal's stand-in), mirrored into its state dir; undefined for the state dir alone. */
export async function openSharedState(input: CommandInput): Promise<SharedState | undefined> {
	const {openStateBackend} = await import('../services/open-state-backend');
	const {flags} = input;
	const opened = await openStateBackend(
		{state: input.state, configPath: input.configPath, region: flags.region, rehearse: flags.rehearse},
		async location => (await import('../rehearsal/state-stand-in')).startStateStandIn(location, process.env),
	);
	return opened && {...opened, mirror: new StateMirror(opened.backend, input.stateDir)};
}
