import {describe, expect, it} from 'vitest';
import {STEP_DECLARATIONS, STEP_IDS, stepsOfKind} from '../../source/core/step-declarations';
import {PROD_PLAN_FACTS} from '../support/plan-facts';
import {stepRegistry} from '../../source/steps/registry';
import {inkPanes} from '../../source/ui/ink/panes';
import {createRun} from '../../source/workflow/plan';

const options = {region: 'us-east-1', dryRun: false, confirm: [], yes: false};
const stepsOfRun = (kind: 'release' | 'checklist' | 'rollback') =>
	createRun({id: 'run-1', kind, account: 'dev', mode: 'live', production: false, options}).steps.map(step => step.id);

describe('steps declared once (core/step-declarations.ts)', () => {
	it('a new run of each kind holds the steps declared for that kind, in the declared order', () => {
		expect(stepsOfRun('release')).toEqual(STEP_IDS);
		expect(stepsOfRun('checklist')).toEqual(['account', 'verify']);
		expect(stepsOfRun('rollback')).toEqual(['account', 'update-stack', 'verify']);
		expect(stepsOfKind('rollback')).toEqual(stepsOfRun('rollback'));
	});

	it('the registry binds every declared step to a module of the same id', async () => {
		const steps = await stepRegistry();
		expect(Object.keys(steps).sort()).toEqual([...STEP_IDS].sort());
		for (const id of STEP_IDS) expect(steps[id]?.id, id).toBe(id);
	});

	it('the screen shows a live pane exactly for the steps that declare one', () => {
		expect(Object.keys(inkPanes)).toEqual(STEP_DECLARATIONS.filter(step => 'pane' in step).map(step => step.id));
		expect(Object.keys(inkPanes)).toEqual(['build', 'update-stack', 'verify']);
	});

	it("each step writes its own line of plan from the account's facts", async () => {
		const steps = await stepRegistry();
		const facts = PROD_PLAN_FACTS;
		expect(steps.account!.plan(facts).summary).toBe(
			'`aws sts get-caller-identity --profile prod` must show account 222222222222; nothing happens otherwise.',
		);
		expect(steps['resolve-version']!.plan(facts).summary).toMatch(
			/^Convox \*\*20160916121812\*\* from `https:\/\/releases.example\/versions.json`.*base AMI \*\*ami-6bb2d67c\*\*\.$/,
		);
		expect(steps.template!.plan(facts).summary).toContain('the committed template must already record the base AMI');
		expect(steps.build!.plan(facts).summary).toContain('-var region=us-east-1 -var env=prod');
		expect(steps['update-stack']!.plan(facts).summary).toContain('type the stack name to confirm');
		const verify = steps.verify!.plan(facts);
		expect(verify.summary).toBe('');
		expect(verify.details?.[0]).toBe('| item | kind | passes when |');
	});
});
