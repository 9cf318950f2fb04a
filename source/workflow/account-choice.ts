import type {LoadedConfig} from '../config/load-config';
import type {CommandInput} from '../core/command-input';
import {UsageError} from '../core/errors';
import type {Choice, FirstQuestion, Prompter} from '../core/prompter';

const ACCOUNT_QUESTION = 'Which account?';

interface AccountSummary {
	accountId: string;
	stackName: string;
	production?: boolean;
}

function accountChoices(accounts: Record<string, AccountSummary>): Array<Choice<string>> {
	return Object.entries(accounts).map(([name, account]) => ({
		value: name,
		label: name,
		hint: `${account.accountId} · ${account.stackName}${account.production ? ' · PRODUCTION' : ''}`,
	}));
}

const isSummary = (account: unknown): account is AccountSummary =>
	typeof account === 'object' &&
	account !== null &&
	typeof (account as AccountSummary).accountId === 'string' &&
	typeof (account as AccountSummary).stackName === 'string';

/**
 * The account question a guided release asks first, as the config file (`readConfig` gives its text)
 * names its accounts, for the first frame to draw before Ink and the config's schema load (the run
 * asks it again, validated, and only then does it take keys). Undefined when the run may ask or say
 * something else first: another command, --env, --fleet, a rehearsal (its own config), a shared
 * state, a config with fleets (the question names them too), or a config that does not read as one.
 */
export function firstAccountQuestion(input: CommandInput, readConfig: () => string): FirstQuestion | undefined {
	const {flags} = input;
	if (input.name !== 'release' || flags.env || flags.fleet || flags.rehearse || input.state) return undefined;
	let raw: {accounts?: unknown; fleets?: unknown};
	try {
		raw = JSON.parse(readConfig()) as typeof raw;
	} catch {
		return undefined;
	}
	const accounts = Object.entries(raw.accounts ?? {});
	const fleets = typeof raw.fleets === 'object' && raw.fleets !== null ? Object.keys(raw.fleets) : [];
	if (accounts.length === 0 || fleets.length > 0 || !accounts.every(([, account]) => isSummary(account))) return undefined;
	return {message: ACCOUNT_QUESTION, choices: accountChoices(Object.fromEntries(accounts) as Record<string, AccountSummary>)};
}

/** The account of a new run: `--env`, the only one when nobody can be asked, else the operator's pick. */
export async function chooseAccount(named: string | undefined, loaded: LoadedConfig, prompter: Prompter): Promise<string> {
	const names = Object.keys(loaded.config.accounts);
	if (named) {
		if (!loaded.config.accounts[named]) throw new UsageError(`No account "${named}" in ${loaded.path}; it has ${names.join(', ')}.`);
		return named;
	}
	if (names.length === 1 && !prompter.interactive) return names[0]!;
	return prompter.select({
		message: ACCOUNT_QUESTION,
		choices: accountChoices(loaded.config.accounts),
		remedy: `--env NAME (one of ${names.join(', ')})`,
	});
}

/** The guided release of a config with fleets: one account, or one fleet. */
export async function chooseAccountOrFleet(loaded: LoadedConfig, prompter: Prompter): Promise<{account: string} | {fleet: string}> {
	const fleets = Object.entries(loaded.config.fleets ?? {});
	const picks = new Map<string, {account: string} | {fleet: string}>();
	const accounts = accountChoices(loaded.config.accounts).map((choice, index) => {
		picks.set(`account-${index}`, {account: choice.value});
		return {...choice, value: `account-${index}`};
	});
	const fleetChoices = fleets.map(([name, fleet], index) => {
		picks.set(`fleet-${index}`, {fleet: name});
		return {value: `fleet-${index}`, label: `Fleet ${name}`, hint: `${fleet.waves.flat().length} racks in ${fleet.waves.length} waves`};
	});
	const picked = await prompter.select({
		message: 'Which account, or which fleet?',
		choices: [...accounts, ...fleetChoices],
		remedy: '--env NAME or --fleet NAME',
	});
	return picks.get(picked)!;
}
