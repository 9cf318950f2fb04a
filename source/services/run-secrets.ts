import {SECRET_ENV_NAMES, SECRETS, type RunSecrets, type SecretEnvName} from '../core/secrets';
import type {Prompter} from '../core/step';
import {createScrubber, type Scrubber} from './packer/scrubber';

/** Shorter values would mask ordinary words. */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * Secrets from `env`, else typed once. `typed` is shared by every run of a session (a fleet's racks,
 * a promotion after dev), so nobody types a secret twice.
 */
export function createRunSecrets(env: NodeJS.ProcessEnv, typed: Map<string, string> = new Map()): RunSecrets {
	let scrubber: Scrubber | undefined;
	const known = (envName: string) => env[envName] || typed.get(envName) || undefined;
	return {
		get: known,
		async obtain(envName: SecretEnvName, prompt: Prompter) {
			const value = known(envName);
			if (value) return value;
			const label = SECRETS.find(secret => secret.envName === envName)?.label ?? envName;
			const entered = await prompt.secret({message: `${label} (${envName})`, remedy: envName});
			if (entered) {
				typed.set(envName, entered);
				scrubber = undefined;
			}
			return entered;
		},
		scrub(text) {
			scrubber ??= createScrubber(
				[...SECRET_ENV_NAMES.map(name => env[name] ?? ''), ...typed.values()].filter(value => value.length >= MIN_SCRUBBED_LENGTH),
			);
			return scrubber(text);
		},
	};
}
