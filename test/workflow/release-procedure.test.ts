import {describe, expect, it} from 'vitest';
import {PROD_PLAN_FACTS} from '../support/plan-facts';
import {stepsOfKind} from '../../source/core/step-declarations';
import {stepRegistry} from '../../source/steps/registry';
import {planDocument} from '../../source/workflow/release-procedure';

const facts = PROD_PLAN_FACTS;
const TITLE = '# convox-ami release procedure\n\n';

/** The plan of the prod account alone, with its instance role's notice when given. */
async function prodPlan(instanceRole?: string): Promise<string> {
	return planDocument({
		accounts: {prod: {production: true}},
		steps: await stepRegistry(),
		factsOf: async () => ({facts, ...(instanceRole ? {instanceRole} : {})}),
	});
}

describe("plan's procedure (workflow/release-procedure.ts)", () => {
	it('numbers the release steps in their declared order, each with its own line and the lines under it', async () => {
		const document = await prodPlan();
		expect(document.startsWith(TITLE)).toBe(true);
		const lines = document.slice(TITLE.length).split('\n');
		expect(lines.slice(0, 3)).toEqual([
			'## prod (PRODUCTION)',
			'',
			'Account 222222222222, region us-east-1, stack `convox-prod`, profile `prod`.',
		]);
		const numbered = lines.filter(line => /^\d+\. /.test(line));
		expect(numbered.map(line => /^(\d+)\. \*\*([\w-]+)\*\*:/.exec(line)?.slice(1))).toEqual(
			stepsOfKind('release').map((id, index) => [String(index + 1), id]),
		);
		const verify = lines.findIndex(line => line.startsWith(`${numbered.length}. **verify**:`));
		expect(lines.slice(verify + 1, verify + 3)).toEqual(['', '| item | kind | passes when |']);
		expect(lines.at(-2)).toBe(
			'If verification fails: `convox-ami rollback RUN_ID` puts `convox-prod` back on the Ami and Version it had before the run.',
		);
		expect(lines.some(line => line.startsWith('Instance role'))).toBe(false);
	});

	it("says the instance role's notice when there is one", async () => {
		expect(await prodPlan('may publish metrics.')).toContain('\nInstance role: may publish metrics.\n\nIf verification fails');
	});

	it('plans the account named, else every account with the production ones last, each with its own facts', async () => {
		const steps = await stepRegistry();
		const accounts: Record<string, {production: boolean}> = {
			prod: {production: true},
			dev: {production: false},
			stage: {production: false},
		};
		const read: string[] = [];
		const factsOf = async (accountName: string) => {
			read.push(accountName);
			return {facts: {...facts, accountName, account: {...facts.account, production: accounts[accountName]!.production}}};
		};
		const headings = (document: string) => document.split('\n').filter(line => line.startsWith('## '));
		expect(headings(await planDocument({accounts, steps, factsOf}))).toEqual(['## dev', '## stage', '## prod (PRODUCTION)']);
		expect(read).toEqual(['dev', 'stage', 'prod']);
		expect(await planDocument({accounts, steps, factsOf})).toContain(
			`${TITLE}Each account is its own run; dev → stage → prod, the same Convox version and base AMI in each.\n\n## dev\n`,
		);
		const one = await planDocument({accounts, only: 'stage', steps, factsOf});
		expect(headings(one)).toEqual(['## stage']);
		expect(one).not.toContain('Each account is its own run');
	});
});
