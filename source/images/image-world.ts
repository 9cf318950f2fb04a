import type {LoadedConfig} from '../config/load-config';
import type {ExitCode} from '../core/errors';
import type {Flags} from '../core/step';
import type {AccountStandIn} from '../services/create-services';
import {acquireStateLock, takeOverNotice, type StateLock} from '../workflow/state-lock';
import type {ImageWorld} from './read-images';

/** A rehearsal as `images` and `prune` use it: its config, its AWS stand-in, stopped once they are done. */
export interface ImageRehearsal extends AccountStandIn {
	config: LoadedConfig;
	stop(): Promise<void>;
}

/** Where `images` or `prune` runs: its command line, and the rehearsal it is handed under --rehearse. */
export interface ImageWorldRequest {
	stateDir: string;
	configPath?: string | undefined;
	flags: Pick<Flags, 'rehearse' | 'fleet'>;
	/** How the state lock names its holder, e.g. `convox-ami prune`. */
	command: string;
	/** Hold the state lock (a rehearsal always does: its stand-in keeps its world in the state dir, which one process drives at a time). */
	lock: boolean;
	warn(line: string): void;
	startRehearsal(stateDir: string, options: {fleet?: string}): Promise<ImageRehearsal>;
}

/** Runs `body` in the config's world, or the rehearsal's under --rehearse, the rehearsal stopped and the lock released after. */
export async function inImageWorld(request: ImageWorldRequest, body: (world: ImageWorld) => Promise<ExitCode>): Promise<ExitCode> {
	const {stateDir, flags} = request;
	let lock: StateLock | undefined;
	let rehearsal: ImageRehearsal | undefined;
	try {
		if (request.lock || flags.rehearse) lock = await acquireStateLock(stateDir, request.command);
		const takeOver = lock && takeOverNotice(stateDir, lock);
		if (takeOver) request.warn(`! ${takeOver}`);
		if (!flags.rehearse) {
			const {loadConfig} = await import('../config/load-config');
			const loaded = await loadConfig(request.configPath);
			return await body({config: loaded.config, configDir: loaded.dir, configPath: loaded.path});
		}
		rehearsal = await request.startRehearsal(stateDir, flags.fleet ? {fleet: flags.fleet} : {});
		const {config, dir, path} = rehearsal.config;
		return await body({config, configDir: dir, configPath: path, rehearsal});
	} finally {
		await rehearsal?.stop();
		lock?.release();
	}
}
