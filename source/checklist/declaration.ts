import type {AccountConfig} from '../config/schema';
import type {SecretEnvName} from '../core/secrets';
import type {AutoItem, ChecklistItem, ManualItem} from './item';
import type {ChecklistSetup} from './setup';

/** How a check runs for one account: an automated probe or a question, without what every check shares. */
export type CheckBody = Pick<AutoItem, 'kind' | 'probe'> | Pick<ManualItem, 'kind' | 'question' | 'link'>;

/**
 * A check of the default checklist, declared once: `plan`, the checklist, the report and the
 * docs' checklist table are all derived from this.
 */
export interface CheckDeclaration {
	id: string;
	title: string;
	/** What it proves, for any account (the docs' table). */
	passesWhen: string;
	/** How it runs, for any account: `auto`, or when it is automatic and when it is asked. */
	runs: string;
	/** The config keys it reads. */
	reads: readonly string[];
	/** The secrets it uses when they are known (never asked for by the check itself). */
	secrets: readonly SecretEnvName[];
	/** Its evidence comes from what our AMI installs: the stock AMI can never produce it. */
	needsCustomAmi?: {installs: string};
	/** How it runs and what passes it for this account, with the account's values: a line of `plan`; `runs` and `passesWhen` when absent. */
	planFor?(account: AccountConfig, secrets: {known(envName: SecretEnvName): boolean}): {runs: string; passesWhen: string};
	/** What the checklist runs for this account. */
	body(setup: ChecklistSetup): CheckBody;
}

export function itemOf(declaration: CheckDeclaration, setup: ChecklistSetup): ChecklistItem {
	const {id, title, needsCustomAmi} = declaration;
	return {id, title, required: true, ...(needsCustomAmi ? {needsCustomAmi} : {}), ...declaration.body(setup)};
}
