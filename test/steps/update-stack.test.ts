import {readFileSync} from 'node:fs';
import path from 'node:path';
import {CloudFormationClient, DeleteChangeSetCommand} from '@aws-sdk/client-cloudformation';
import {describe, expect, it, vi} from 'vitest';
import {rackStackSeed, type AwsStandInOptions} from '../../source/rehearsal/aws-stand-in';
import {stacksFromDescribeStacks} from '../../source/rehearsal/aws/state';
import {REHEARSAL_POLICY, type WorldPolicy} from '../../source/core/ports';
import {createUpdateStackStep} from '../../source/steps/update-stack';
import {callBudgetFor, withCallBudget} from '../../source/services/cloudformation/call-budget';
import {InterruptedError, MissingInputError, StepFailedError, UsageError} from '../../source/core/errors';
import type {Flags} from '../../source/core/step';
import type {Prompter} from '../../source/core/prompter';
import {outputsOf} from '../../source/core/step-outputs';
import type {Run, RunEvent} from '../../source/core/types';
import {stepWorlds, type StepHarness, type StepWorld} from '../support/step-world';

const AMI = 'ami-0a7f3c9e21d4b5e86';
const VERSION = '20160916121812';
const STACK = 'convox';
const ACCOUNT_ID = '111111111111';
const FAILURE = 'Received 0 SUCCESS signal(s) out of 1. Instance i-0abc failed its health check';

const fixtures = path.resolve(import.meta.dirname, '../fixtures');
const formation = JSON.parse(readFileSync(path.join(fixtures, 'releases/formation.sample.json'), 'utf8'));
const olderRack = stacksFromDescribeStacks(
	JSON.parse(readFileSync(path.join(fixtures, 'cloudformation/describe-stacks.convox-rack.v20160323012659.json'), 'utf8')),
);
const withOwner = {...formation, Parameters: {...formation.Parameters, Owner: {Type: 'String'}}};

const worlds = stepWorlds();

/** The rack stack `convox` on a fast update clock; the release files serve VERSION's template, and `owner`'s with a new parameter. */
async function startStandIn(options: AwsStandInOptions = {}, seed: Parameters<typeof rackStackSeed>[0] = {}): Promise<StepWorld> {
	return worlds.start({
		aws: {
			accountId: ACCOUNT_ID,
			tickMs: 15,
			changeSetDelayMs: 30,
			failureReason: FAILURE,
			stacks: [rackStackSeed({stackName: STACK, ...seed})],
			...options,
		},
		releases: {formations: {[VERSION]: formation, owner: withOwner}},
	});
}

interface Answers {
	confirm?: boolean[];
	select?: string[];
	text?: string[];
}

function scriptedPrompter(answers: Answers, questions: string[]): Prompter {
	const next = <T>(list: T[] | undefined, message: string, remedy: string): T => {
		questions.push(message);
		if (!list || list.length === 0) throw new MissingInputError(`"${message}"`, remedy);
		return list.shift()!;
	};
	return {
		interactive: true,
		async select({message, remedy}) {
			return next(answers.select, message, remedy) as never;
		},
		async confirm({message, remedy}) {
			return next(answers.confirm, message, remedy);
		},
		async text({message, remedy, validate, defaultValue}) {
			// An empty answer is Enter: it takes what is typed in already.
			const answer = next(answers.text, message, remedy);
			const value = answer === '' ? (defaultValue ?? '') : answer;
			const problem = validate?.(value);
			if (problem) throw new Error(`invalid answer ${value}: ${problem}`);
			return value;
		},
		async secret({message, remedy}) {
			return next(answers.text, message, remedy);
		},
	};
}

interface Harness {
	ctx: StepHarness['ctx'];
	events: RunEvent[];
	questions: string[];
	run(): Run;
}

function harness(
	world: StepWorld,
	{
		answers = {},
		flags = {},
		account = {},
		continues,
		templateUrl = `${world.releases!.url}/${VERSION}/formation.json`,
		onEvent,
		env = {},
		policy,
	}: {
		answers?: Answers;
		flags?: Partial<Flags>;
		account?: Record<string, unknown>;
		/** The run of an earlier attempt, which this one resumes. */
		continues?: Run;
		templateUrl?: string;
		onEvent?: (event: RunEvent, interrupt: () => void) => void;
		env?: NodeJS.ProcessEnv;
		policy?: WorldPolicy;
	} = {},
): Harness {
	const questions: string[] = [];
	const {ctx, events, run} = world.context('update-stack', {
		account: {stackName: STACK, ...account},
		flags,
		...(continues ? {continues} : {}),
		earlier: {
			account: {accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/rehearsal`},
			'resolve-version': {convoxVersion: VERSION, templateUrl},
			build: {amiId: AMI, amiIds: {'us-east-1': AMI}},
		},
		prompt: scriptedPrompter(answers, questions),
		environment: env,
		...(policy ? {policy} : {}),
		...(onEvent ? {onEvent} : {}),
	});
	return {ctx, events, questions, run};
}

const step = createUpdateStackStep({
	intervals: {minMs: 10, maxMs: 40, factor: 2},
	changeSetWait: {minDelay: 0.02, maxDelay: 0.05, maxWaitTime: 10},
});

const writesOf = (server: StepWorld) => server.aws.writes().map(call => call.action);
const stackEvents = (events: RunEvent[]) =>
	events.filter((event): event is Extract<RunEvent, {type: 'stack-event'}> => event.type === 'stack-event');
const notices = (events: RunEvent[]) => events.flatMap(event => (event.type === 'notice' ? [event.message] : []));

describe('update-stack step against the CloudFormation stand-in', () => {
	it('previews, executes and follows a clean update to UPDATE_COMPLETE with our Ami and Version', async () => {
		const server = await startStandIn();
		const before = server.aws.state.parameters(STACK);
		const {ctx, events, questions} = harness(server, {answers: {confirm: [true]}});

		const outputs = await step.run(ctx);

		expect(outputs).toMatchObject({stackStatus: 'UPDATE_COMPLETE', previousAmi: before.Ami, previousVersion: before.Version});
		expect(outputs.changeSetName).toMatch(/^convox-ami-20261125T010000Z-dev-/);
		expect(server.aws.state.parameters(STACK)).toMatchObject({Ami: AMI, Version: VERSION});
		expect(writesOf(server)).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
		const create = server.aws.calls.find(call => call.action === 'CreateChangeSet')!;
		expect(create.params).toMatchObject({ChangeSetType: 'UPDATE', TemplateURL: `${server.releases!.url}/${VERSION}/formation.json`});
		expect(JSON.stringify(create.params.Capabilities)).toContain('CAPABILITY_IAM');

		const changeSet = events.find(event => event.type === 'change-set');
		expect(changeSet).toMatchObject({stackName: STACK, dropped: []});
		if (changeSet?.type !== 'change-set') throw new Error('no change set');
		expect(changeSet.parameters).toContainEqual({key: 'Ami', old: before.Ami, new: AMI, masked: false});
		expect(changeSet.parameters.find(parameter => parameter.key === 'Password')).toMatchObject({old: '****', new: '****', masked: true});
		expect(changeSet.changes.length).toBeGreaterThan(0);
		expect(questions[0]).toMatch(/^Execute change set convox-ami-.* on convox\? It replaces/);

		const early = events.findIndex(
			event => event.type === 'checkpoint' && event.step === 'update-stack' && event.outputs.changeSetName === outputs.changeSetName,
		);
		expect(events.filter(event => event.type === 'step')).toEqual([]);
		const executing = events.findIndex(event => event.type === 'notice' && event.message.startsWith('Executing change set'));
		expect(early).toBeGreaterThanOrEqual(0);
		expect(early).toBeLessThan(executing);

		const streamed = stackEvents(events);
		expect(streamed.at(-1)).toMatchObject({resource: STACK, status: 'UPDATE_COMPLETE'});
		expect(streamed[0]).toMatchObject({resource: STACK, status: 'UPDATE_IN_PROGRESS'});
		const times = streamed.map(event => Date.parse(event.timestamp));
		expect(times).toEqual([...times].sort((a, b) => a - b));
		expect(events.some(event => event.type === 'progress' && /resources finished/.test(event.activity ?? ''))).toBe(true);
	});

	it('fails at once, changing nothing, when the change set is deleted while CloudFormation computes it', async () => {
		const server = await startStandIn({changeSetDelayMs: 5_000});
		const other = new CloudFormationClient({
			credentials: {accessKeyId: 'AKIAOTHER', secretAccessKey: 'not-a-secret'},
			region: 'us-east-1',
			endpoint: server.aws.url,
		});
		const {ctx} = harness(server, {
			answers: {confirm: [true]},
			onEvent: event => {
				if (event.type === 'notice' && event.message.startsWith('Created change set')) {
					const name = server.aws.calls.find(call => call.action === 'CreateChangeSet')!.params.ChangeSetName as string;
					void other.send(new DeleteChangeSetCommand({StackName: STACK, ChangeSetName: name}));
				}
			},
		});
		const started = Date.now();

		const failure = await step.run(ctx).catch((error: unknown) => error);

		expect(failure).toBeInstanceOf(StepFailedError);
		expect((failure as StepFailedError).message).toMatch(/disappeared while CloudFormation computed it.*This run changed nothing/);
		expect(Date.now() - started).toBeLessThan(4_000);
		expect(writesOf(server)).toEqual(['CreateChangeSet', 'DeleteChangeSet']);
	});

	it('updates an older rack whose parameters differ from the new template both ways, listing the dropped ones', async () => {
		const server = await startStandIn({stacks: olderRack});
		const {ctx, events} = harness(server, {account: {stackName: 'convox-dev'}, answers: {confirm: [true]}});

		const outputs = await step.run(ctx);

		expect(outputs).toMatchObject({stackStatus: 'UPDATE_COMPLETE', previousAmi: 'ami-3e1f2a9b', previousVersion: '20160323012659'});
		expect(notices(events)).toContainEqual(
			expect.stringMatching(
				/drops 7 parameter\(s\).*Certificate, DockerImageApi, DockerImageApp, DockerImageBuild, DockerImageService, RegistryHost, RegistryPort/,
			),
		);
		const values = server.aws.state.parameters('convox-dev');
		expect(values).toMatchObject({Ami: AMI, Version: VERSION, SwapSize: '5', InstanceCount: '3', Key: 'convox-keypair-4415'});
		expect(values).not.toHaveProperty('Certificate');
	});

	it('fails a rolled-back update with the first failed resource and its reason, never success', async () => {
		const server = await startStandIn({scenario: 'rollback'});
		const {ctx, events} = harness(server, {answers: {confirm: [true]}});

		const error = await step.run(ctx).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(StepFailedError);
		expect((error as Error).message).toMatch(/rolled it back \(UPDATE_ROLLBACK_COMPLETE\)/);
		expect((error as Error).message).toContain(FAILURE);
		expect((error as Error).message).not.toMatch(/First failure: [^\n]*Resource update cancelled/);
		expect(server.aws.state.stack(STACK).status).toBe('UPDATE_ROLLBACK_COMPLETE');
		expect(stackEvents(events).some(event => event.status === 'UPDATE_FAILED' && event.reason === FAILURE)).toBe(true);
	});

	it('reports "nothing to change" as success when the stack already has these values', async () => {
		const server = await startStandIn({}, {parameters: {Ami: AMI, Version: VERSION}});
		const {ctx, events} = harness(server);

		const outputs = await step.run(ctx);

		expect(outputs).toMatchObject({stackStatus: 'UPDATE_COMPLETE', previousAmi: AMI, previousVersion: VERSION});
		expect(notices(events).some(message => message.startsWith('Nothing to change'))).toBe(true);
		expect(writesOf(server)).toEqual(['CreateChangeSet', 'DeleteChangeSet']);
		expect(events.some(event => event.type === 'change-set')).toBe(false);
	});

	it('offers to watch an update already in progress, then makes its own', async () => {
		const server = await startStandIn({scenario: 'in-progress'});
		expect(server.aws.state.stack(STACK).status).toBe('UPDATE_IN_PROGRESS');
		const {ctx, events, questions} = harness(server, {answers: {confirm: [true, true]}});

		const outputs = await step.run(ctx);

		expect(questions[0]).toMatch(/already being updated \(UPDATE_IN_PROGRESS\), not by this run/);
		expect(notices(events).some(message => /The other update of convox settled in UPDATE_COMPLETE/.test(message))).toBe(true);
		expect(outputs.stackStatus).toBe('UPDATE_COMPLETE');
		expect(server.aws.state.parameters(STACK)).toMatchObject({Ami: AMI, Version: VERSION});
	});

	it('changes nothing when the operator declines to wait for an update in progress', async () => {
		const server = await startStandIn({scenario: 'in-progress'});
		const {ctx} = harness(server, {answers: {confirm: [false]}});
		await expect(step.run(ctx)).rejects.toThrow(/being updated by someone else/);
		expect(writesOf(server)).toEqual([]);
	});

	it('detaches on Ctrl-C, and resume re-attaches to the same update without a second change set', async () => {
		const server = await startStandIn({scenario: 'slow', slowTicks: 4});
		let interrupted = false;
		const first = harness(server, {
			answers: {confirm: [true], select: ['detach']},
			onEvent(event, interrupt) {
				if (event.type === 'stack-event' && !interrupted) {
					interrupted = true;
					queueMicrotask(interrupt);
				}
			},
		});

		const error = await step.run(first.ctx).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(InterruptedError);
		expect((error as InterruptedError).hint).toContain('convox-ami resume');
		expect(server.aws.state.stack(STACK).status).toBe('UPDATE_IN_PROGRESS');
		const recorded = outputsOf(first.run(), 'update-stack');
		expect(recorded.changeSetName).toMatch(/^convox-ami-/);

		const second = harness(server, {continues: first.run()});
		const outputs = await step.run(second.ctx);

		expect(outputs).toMatchObject({
			stackStatus: 'UPDATE_COMPLETE',
			changeSetName: recorded.changeSetName,
			previousAmi: recorded.previousAmi,
		});
		expect(notices(second.events).some(message => message.startsWith('Re-attaching to the update of convox'))).toBe(true);
		expect(stackEvents(second.events)[0]).toMatchObject({resource: STACK, status: 'UPDATE_IN_PROGRESS'});
		expect(writesOf(server)).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
	});

	it('detaches when nobody can answer the Ctrl-C question', async () => {
		const server = await startStandIn({scenario: 'slow', slowTicks: 4});
		const {ctx} = harness(server, {
			answers: {confirm: [true]},
			onEvent: (event, interrupt) => (event.type === 'stack-event' ? queueMicrotask(interrupt) : undefined),
		});
		await expect(step.run(ctx)).rejects.toThrow(/Detached from the update of convox/);
		expect(writesOf(server)).not.toContain('CancelUpdateStack');
	});

	it('cancels on request and streams the rollback until it settles', async () => {
		const server = await startStandIn({scenario: 'slow', slowTicks: 3});
		let interrupted = false;
		const {ctx, events} = harness(server, {
			answers: {confirm: [true], select: ['cancel']},
			onEvent(event, interrupt) {
				if (event.type === 'stack-event' && !interrupted) {
					interrupted = true;
					queueMicrotask(interrupt);
				}
			},
		});

		const error = await step.run(ctx).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(InterruptedError);
		expect((error as Error).message).toMatch(/Cancelled the update of convox; it settled in UPDATE_ROLLBACK_COMPLETE/);
		expect(writesOf(server)).toEqual(['CreateChangeSet', 'ExecuteChangeSet', 'CancelUpdateStack']);
		expect(stackEvents(events).at(-1)).toMatchObject({resource: STACK, status: 'UPDATE_ROLLBACK_COMPLETE'});
		expect(server.aws.state.stack(STACK).status).toBe('UPDATE_ROLLBACK_COMPLETE');
	});

	it('--dry-run creates the change set, shows it and deletes it, and changes nothing else', async () => {
		const server = await startStandIn();
		const before = server.aws.state.parameters(STACK);
		const {ctx, events, run} = harness(server, {flags: {dryRun: true}});

		const outputs = await step.run(ctx);

		expect(outputs.stackStatus).toBe('UPDATE_COMPLETE');
		expect(writesOf(server)).toEqual(['CreateChangeSet', 'DeleteChangeSet']);
		expect(server.aws.state.parameters(STACK)).toEqual(before);
		expect(server.aws.state.stack(STACK).changeSets).toEqual([]);
		expect(events.some(event => event.type === 'change-set')).toBe(true);
		expect(run().steps.find(record => record.id === 'update-stack')!.outputs).toEqual({});
	});

	it('stops before any write on UPDATE_ROLLBACK_FAILED and says how to continue the rollback', async () => {
		const server = await startStandIn({}, {status: 'UPDATE_ROLLBACK_FAILED'});
		const {ctx} = harness(server);
		const error = await step.run(ctx).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(StepFailedError);
		expect((error as StepFailedError).hint).toContain('aws cloudformation continue-update-rollback --stack-name convox');
		expect(writesOf(server)).toEqual([]);
	});

	it('a rollback that fails too ends the run failed, and the next attempt stops at UPDATE_ROLLBACK_FAILED', async () => {
		const server = await startStandIn({scenario: 'rollback-failed'});
		const first = harness(server, {answers: {confirm: [true]}});
		await expect(step.run(first.ctx)).rejects.toThrow(/UPDATE_ROLLBACK_FAILED/);
		await expect(step.run(harness(server, {continues: first.run()}).ctx)).rejects.toThrow(/continue.*rollback|takes no update/);
	});

	it('resume after a rollback of this run previews the update again instead of adopting the stack', async () => {
		const server = await startStandIn({scenario: ['rollback', 'clean']});
		const first = harness(server, {answers: {confirm: [true]}});
		await expect(step.run(first.ctx)).rejects.toThrow(/UPDATE_ROLLBACK_COMPLETE/);
		const again = harness(server, {continues: first.run()});
		await expect(step.run(again.ctx)).rejects.toBeInstanceOf(MissingInputError);
		expect(notices(again.events)).toContainEqual(
			expect.stringMatching(/started earlier ended in UPDATE_ROLLBACK_COMPLETE; previewing it again/),
		);
	});

	it('resume reuses a change set that was created but never executed', async () => {
		const server = await startStandIn();
		const first = harness(server, {answers: {confirm: []}});
		await expect(step.run(first.ctx)).rejects.toBeInstanceOf(MissingInputError);
		const name = outputsOf(first.run(), 'update-stack').changeSetName;
		expect(server.aws.state.stack(STACK).changeSets.map(changeSet => changeSet.name)).toEqual([name]);

		const second = harness(server, {continues: first.run(), answers: {confirm: [true]}});
		const outputs = await step.run(second.ctx);

		expect(outputs).toMatchObject({stackStatus: 'UPDATE_COMPLETE', changeSetName: name});
		expect(notices(second.events).some(message => message.startsWith(`Reusing change set ${String(name)}`))).toBe(true);
		expect(writesOf(server)).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
	});

	it('resume adopts an update of this run that already completed', async () => {
		const server = await startStandIn();
		const first = harness(server, {answers: {confirm: [true]}});
		await step.run(first.ctx);
		const again = harness(server, {continues: first.run()});
		const outputs = await step.run(again.ctx);
		expect(outputs.stackStatus).toBe('UPDATE_COMPLETE');
		expect(notices(again.events).some(message => message.startsWith('The update this run started earlier is done'))).toBe(true);
		expect(writesOf(server)).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
	});

	it('a declined confirmation deletes the change set and leaves the stack alone', async () => {
		const server = await startStandIn();
		const {ctx} = harness(server, {answers: {confirm: [false]}});
		await expect(step.run(ctx)).rejects.toBeInstanceOf(InterruptedError);
		expect(writesOf(server)).toEqual(['CreateChangeSet', 'DeleteChangeSet']);
	});

	it("a production stack needs its name typed (a rehearsal's world types it in already); --yes skips that", async () => {
		const server = await startStandIn();
		const wrong = harness(server, {account: {production: true}, answers: {confirm: [true], text: ['convox-dev']}});
		await expect(step.run(wrong.ctx)).rejects.toThrow(/invalid answer convox-dev: Type convox exactly/);
		expect(writesOf(server)).not.toContain('ExecuteChangeSet');

		const typed = harness(server, {account: {production: true}, answers: {confirm: [true], text: [STACK]}});
		await step.run(typed.ctx);
		expect(typed.questions[1]).toMatch(/convox is a PRODUCTION stack. Type its name/);
		expect(server.aws.state.parameters(STACK)).toMatchObject({Ami: AMI, Version: VERSION});

		await server.aws.close();
		const rehearsed = await startStandIn();
		const live = harness(rehearsed, {account: {production: true}, answers: {confirm: [true], text: ['']}});
		await expect(step.run(live.ctx)).rejects.toThrow(/invalid answer : Type convox exactly/);
		const enter = harness(rehearsed, {account: {production: true}, policy: REHEARSAL_POLICY, answers: {confirm: [true], text: ['']}});
		expect(await step.run(enter.ctx)).toMatchObject({stackStatus: 'UPDATE_COMPLETE'});
		expect(enter.questions[1]).toMatch(/convox is a PRODUCTION stack. Type its name/);

		await rehearsed.aws.close();
		const again = await startStandIn();
		const unattended = harness(again, {account: {production: true}, flags: {yes: true}, answers: {confirm: [true]}});
		expect(await step.run(unattended.ctx)).toMatchObject({stackStatus: 'UPDATE_COMPLETE'});
		expect(unattended.questions).toHaveLength(1);
	});

	it('a new parameter without a default is asked for, taken from CONVOX_AMI_PARAMETER_<name>, or refused under --yes', async () => {
		const server = await startStandIn();
		const templateUrl = `${server.releases!.url}/owner/formation.json`;
		const refused = await step.run(harness(server, {templateUrl, flags: {yes: true}}).ctx).catch((caught: unknown) => caught);
		expect(refused).toBeInstanceOf(UsageError);
		expect((refused as UsageError).message).toContain('Owner');
		expect((refused as UsageError).hint).toContain('CONVOX_AMI_PARAMETER_Owner');
		expect(writesOf(server)).toEqual([]);

		const fromEnv = harness(server, {templateUrl, flags: {yes: true, dryRun: true}, env: {CONVOX_AMI_PARAMETER_Owner: 'ops'}});
		await step.run(fromEnv.ctx);
		const changeSet = fromEnv.events.find(event => event.type === 'change-set');
		expect(changeSet?.type === 'change-set' && changeSet.parameters).toContainEqual({key: 'Owner', new: 'ops', masked: false});

		const asked = harness(server, {templateUrl, flags: {dryRun: true}, answers: {text: ['platform']}});
		await step.run(asked.ctx);
		expect(asked.questions[0]).toMatch(/adds the parameter Owner without a default/);
	});

	it('keeps watching through throttling', async () => {
		const server = await startStandIn({scenario: 'slow', slowTicks: 2});
		const {ctx} = harness(server, {
			answers: {confirm: [true]},
			onEvent: event =>
				event.type === 'notice' && event.message.startsWith('Executing') ? server.aws.throttle(4, ['DescribeStackEvents']) : undefined,
		});
		const outputs = await step.run(ctx);
		expect(outputs.stackStatus).toBe('UPDATE_COMPLETE');
		expect(server.aws.calls.filter(call => call.error === 'Throttling').length).toBe(4);
	});

	it('fails with "resume re-attaches" when CloudFormation cannot be reached while watching', async () => {
		const server = await startStandIn({scenario: 'slow', slowTicks: 20});
		let closed = false;
		const {ctx} = harness(server, {
			answers: {confirm: [true]},
			onEvent(event) {
				if (event.type === 'stack-event' && !closed) {
					closed = true;
					void server.aws.close();
				}
			},
		});
		const error = await step.run(ctx).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(StepFailedError);
		expect((error as StepFailedError).message).toMatch(/^Lost sight of the update of convox: .*The update goes on in CloudFormation\.$/);
		expect((error as StepFailedError).hint).toContain('convox-ami resume');
	});

	it('stops watching at the timeout, says the update goes on and that resume re-attaches', async () => {
		const server = await startStandIn({scenario: 'slow', slowTicks: 50});
		const impatient = createUpdateStackStep({
			intervals: {minMs: 10, maxMs: 20, factor: 2},
			changeSetWait: {minDelay: 0.02, maxDelay: 0.05, maxWaitTime: 10},
			timeoutMs: 150,
		});
		const error = await impatient.run(harness(server, {answers: {confirm: [true]}}).ctx).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(StepFailedError);
		expect((error as StepFailedError).message).toMatch(/still UPDATE_IN_PROGRESS .* The update goes on in CloudFormation/);
		expect((error as StepFailedError).hint).toContain('convox-ami resume');
		expect(server.aws.state.stack(STACK).status).toBe('UPDATE_IN_PROGRESS');
	});
});

describe('update-stack in a fleet', () => {
	it('sends every CloudFormation call through the client it is handed: the stand-in counts as many calls as the shared pace gave turns', async () => {
		const server = await startStandIn();
		const {ctx} = harness(server, {answers: {confirm: [true]}});
		const {cloudformation} = await ctx.services.aws();
		const pace = callBudgetFor('update-stack-guard', 'us-east-1', 1000);
		withCallBudget(cloudformation, pace);
		const turns = vi.spyOn(pace, 'take');

		expect(await step.run(ctx)).toMatchObject({stackStatus: 'UPDATE_COMPLETE'});

		const calls = server.aws.calls.filter(call => call.service === 'cloudformation');
		// The change set, its waiter, the stack's reads and events, the execute: all of them paced.
		expect(new Set(calls.map(call => call.action))).toEqual(
			new Set(['DescribeStacks', 'GetTemplateSummary', 'CreateChangeSet', 'DescribeChangeSet', 'DescribeStackEvents', 'ExecuteChangeSet']),
		);
		expect(turns).toHaveBeenCalledTimes(calls.length);
	});
});
