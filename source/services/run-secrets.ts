import type {SecretReference} from '../config/secret-references';
import {SECRET_ENV_NAMES, SECRETS, type RunSecrets, type SecretEnvName} from '../core/secrets';
import type {Prompter} from '../core/prompter';
import {readAwsSecret, type AwsSecretTarget} from './aws-secrets';
import {createScrubber, type Scrubber} from './packer/scrubber';

/** Shorter values would mask ordinary words. */
const MIN_SCRUBBED_LENGTH = 4;

/** The secrets the config keeps in AWS, and the account's clients to read them with. */
export interface AwsSecretSource {
	references: ReadonlyMap<SecretEnvName, SecretReference>;
	target(): Promise<AwsSecretTarget>;
}

/**
 * Secrets from `environment`, else read once from AWS, else typed once. `typed` is shared by every run of a
 * session (a fleet's racks, a promotion after dev), so nobody types a secret twice; what AWS gave is
 * the run's own (another account may keep another value).
 */
export function createRunSecrets(
	environment: NodeJS.ProcessEnv,
	typed: Map<string, string> = new Map(),
	aws?: AwsSecretSource,
): RunSecrets {
	let scrubber: Scrubber | undefined;
	const fetched = new Map<string, Promise<string>>();
	const read = new Map<string, string>();
	const known = (envName: string) => environment[envName] || typed.get(envName) || read.get(envName) || undefined;
	const resolve = async (envName: SecretEnvName) => {
		const value = known(envName);
		const reference = aws?.references.get(envName);
		if (value || !aws || !reference) return value;
		let pending = fetched.get(envName);
		if (!pending) {
			pending = aws.target().then(target => readAwsSecret(envName, reference, target));
			fetched.set(envName, pending);
			pending.catch(() => fetched.delete(envName));
		}
		const given = await pending;
		if (given) {
			read.set(envName, given);
			scrubber = undefined;
		}
		return given || undefined;
	};
	return {
		get: known,
		resolve,
		async obtain(envName: SecretEnvName, prompt: Prompter) {
			const value = await resolve(envName);
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
				[...SECRET_ENV_NAMES.map(name => environment[name] ?? ''), ...typed.values(), ...read.values()].filter(
					value => value.length >= MIN_SCRUBBED_LENGTH,
				),
			);
			return scrubber(text);
		},
	};
}
