import type {ExitCode} from '../core/errors';
import type {ImageWorld} from '../images/read-images';
import type {Rehearsal} from '../rehearsal/rehearsal';
import {acquireStateLock, type StateLock} from '../workflow/state-lock';
import type {CommandInput} from '../core/command-input';

/**
 * Runs `body` in the config's world, or the rehearsal's under --rehearse (whose stand-in keeps its
 * world in the state dir, which one process drives at a time). `lock`: hold the state lock in both.
 */
export async function inImageWorld(
	input: CommandInput,
	command: string,
	options: {lock: boolean},
	body: (world: ImageWorld) => Promise<ExitCode>,
): Promise<ExitCode> {
	let lock: StateLock | undefined;
	let rehearsal: Rehearsal | undefined;
	try {
		if (options.lock || input.flags.rehearse) lock = await acquireStateLock(input.stateDir, command);
		if (lock?.takenOver)
			process.stderr.write(
				`! Took over the lock left by pid ${lock.takenOver.pid} (\`${lock.takenOver.command}\`), which no longer runs.\n`,
			);
		if (!input.flags.rehearse) {
			const {loadConfig} = await import('../config/load-config');
			const loaded = await loadConfig(input.configPath);
			return await body({config: loaded.config, configDir: loaded.dir, configPath: loaded.path});
		}
		const {startRehearsal} = await import('../rehearsal/rehearsal');
		rehearsal = await startRehearsal(input.stateDir, input.flags.fleet ? {fleet: input.flags.fleet} : {});
		const {config, dir, path} = rehearsal.config;
		return await body({config, configDir: dir, configPath: path, rehearsal});
	} finally {
		await rehearsal?.stop();
		lock?.release();
	}
}

/** A line about something `images` or `prune` did not read: always on stderr. */
export const warnOnStderr = (line: string) => process.stderr.write(`${line}\n`);
