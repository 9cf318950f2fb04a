import type {AccountConfig} from '../config/schema';
import {inlineCode} from '../core/markdown';
import type {PlanFacts} from '../core/plan-facts';
import type {StepTable} from '../core/step';
import {stepsOfKind} from '../core/step-declarations';

/** One account's section of `convox-ami plan`: its facts, the steps that write their lines, its instance role's notice. */
export interface ProcedureSection {
	facts: PlanFacts;
	steps: StepTable;
	/** Whether the rack's instance role may publish metrics (CloudWatch accounts). */
	instanceRole?: string;
}

/** The release steps in their declared order, numbered, each with its line of the plan. */
function procedure(steps: StepTable, facts: PlanFacts): string[] {
	return stepsOfKind('release').flatMap((id, index) => {
		const {summary, details} = steps[id]!.plan(facts);
		return [`${index + 1}. **${id}**:${summary ? ` ${summary}` : ''}`, ...(details ? ['', ...details] : [])];
	});
}

/** The release procedure for one account as Markdown, with what is known filled in. */
function procedureSection({facts, steps, instanceRole}: ProcedureSection): string {
	const {accountName, account} = facts;
	return [
		`## ${accountName}${account.production ? ' (PRODUCTION)' : ''}`,
		'',
		`Account ${account.accountId}, region ${facts.region}, stack ${inlineCode(account.stackName)}${account.profile ? `, profile ${inlineCode(account.profile)}` : ''}.`,
		'',
		...procedure(steps, facts),
		'',
		...(instanceRole ? [`Instance role: ${instanceRole}`, ''] : []),
		`If verification fails: \`convox-ami rollback RUN_ID\` puts ${inlineCode(account.stackName)} back on the Ami and Version it had before the run.`,
		'',
	].join('\n');
}

/** The whole document: the accounts in the order given, each its own run. */
function procedureDocument(accountNames: string[], sections: string[]): string {
	const intro =
		accountNames.length > 1
			? `Each account is its own run; ${accountNames.join(' → ')}, the same Convox version and base AMI in each.\n\n`
			: '';
	return `# convox-ami release procedure\n\n${intro}${sections.join('\n')}`;
}

/**
 * `convox-ami plan`: the procedure for the account named (`only`), else for every account, production
 * ones last, each section with the facts `factsOf` reads for it.
 */
export async function planDocument({
	accounts,
	only,
	steps,
	factsOf,
}: {
	accounts: Readonly<Record<string, Pick<AccountConfig, 'production'>>>;
	only?: string | undefined;
	steps: StepTable;
	factsOf: (accountName: string) => Promise<Omit<ProcedureSection, 'steps'>>;
}): Promise<string> {
	const names = only ? [only] : Object.keys(accounts).sort((a, b) => Number(accounts[a]!.production) - Number(accounts[b]!.production));
	const sections: string[] = [];
	for (const name of names) sections.push(procedureSection({...(await factsOf(name)), steps}));
	return procedureDocument(names, sections);
}
