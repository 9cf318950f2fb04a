import {readFileSync} from 'node:fs';
import type {CommandInput} from '../core/command-input';
import {configPathOf} from '../config/config-file';
import type {Choice} from '../core/prompter';
import {ACCOUNT_QUESTION, accountChoices, type AccountSummary} from '../workflow/account-choice';

const isSummary = (account: unknown): account is AccountSummary =>
	typeof account === 'object' &&
	account !== null &&
	typeof (account as AccountSummary).accountId === 'string' &&
	typeof (account as AccountSummary).stackName === 'string';

/**
 * The account question a guided release asks first, as the config file names its accounts, for the
 * first frame to draw before Ink and the config's schema load (the run asks it again, validated, and
 * only then does it take keys). Undefined when the run may ask or say something else first: another
 * command, --env, --fleet, a rehearsal (its own config), a shared state, a config with fleets (the
 * question names them too), or a config that does not read as one.
 */
export function firstAccountQuestion(input: CommandInput): {message: string; choices: Array<Choice<string>>} | undefined {
	const {flags} = input;
	if (input.name !== 'release' || flags.env || flags.fleet || flags.rehearse || input.state) return undefined;
	let raw: {accounts?: unknown; fleets?: unknown};
	try {
		raw = JSON.parse(readFileSync(configPathOf(input.configPath), 'utf8')) as typeof raw;
	} catch {
		return undefined;
	}
	const accounts = Object.entries(raw.accounts ?? {});
	const fleets = typeof raw.fleets === 'object' && raw.fleets !== null ? Object.keys(raw.fleets) : [];
	if (accounts.length === 0 || fleets.length > 0 || !accounts.every(([, account]) => isSummary(account))) return undefined;
	return {message: ACCOUNT_QUESTION, choices: accountChoices(Object.fromEntries(accounts) as Record<string, AccountSummary>)};
}
