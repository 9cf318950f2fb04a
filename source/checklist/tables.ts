import type {AccountConfig} from '../config/schema';
import {formerIdsOf} from '../core/check-ids';
import {markdownRow as row} from '../core/markdown';
import type {SecretEnvName} from '../core/secrets';
import {CHECKS} from './checks/index';

/** The checklist of `plan` for one account: every default check with the account's values, then its own checks. */
export function planChecklist(account: AccountConfig, known: (envName: SecretEnvName) => boolean): string[] {
	const rows = [
		...CHECKS.map(check => {
			const {runs, passesWhen} = check.planFor?.(account, {known}) ?? check;
			return [check.id, runs, passesWhen];
		}),
		...account.checks.map(check => [check.id, check.kind === 'manual' ? 'manual' : 'auto', check.title]),
	];
	return [row(['item', 'kind', 'passes when']), row(['---', '---', '---']), ...rows.map(row)];
}

/** The reference table of the default checks, for the README and docs/checks.md (a test keeps them equal). */
export function checksReference(): string {
	const rows = CHECKS.map(check => [
		`\`${check.id}\`${
			formerIdsOf(check.id).length > 0
				? ` (was ${formerIdsOf(check.id)
						.map(id => `\`${id}\``)
						.join(', ')})`
				: ''
		}`,
		check.passesWhen,
		check.runs,
		check.reads.map(key => `\`${key}\``).join(', '),
		check.secrets.join(', ') || '—',
		check.needsCustomAmi ? check.needsCustomAmi.installs : '—',
	]);
	return [
		row(['check', 'passes when', 'runs', 'config', 'secrets', 'our AMI installs']),
		row(['---', '---', '---', '---', '---', '---']),
		...rows.map(row),
	].join('\n');
}
