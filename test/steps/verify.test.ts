import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Stack} from '@aws-sdk/client-cloudformation';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import bundledFormation from '../../source/rehearsal/data/formation.json';
import {stacksFromDescribeStacks} from '../../source/rehearsal/aws/state';
import {verifyStep} from '../../source/steps/verify';
import {EXIT, StepFailedError, WaitingError} from '../../source/core/errors';
import {renderReport} from '../../source/workflow/report';
import type {Flags} from '../../source/core/step';
import type {CheckRecord, RollbackTarget, Run, RunEvent, StepId} from '../../source/core/types';
import type {RecordedOutputs} from '../../source/core/step-outputs';
import {ScriptedPrompter} from '../checklist/scripted-prompter';
import {reply, serve, type Loopback} from '../support/loopback';
import {stepWorlds, type StepWorld} from '../support/step-world';

const fakeConvox = fileURLToPath(new URL('../fixtures/bin/convox', import.meta.url));
const rackOutput = fileURLToPath(new URL('../fixtures/convox/convox-rack.stdout.txt', import.meta.url));
const afterUpdate = (
	JSON.parse(
		readFileSync(
			fileURLToPath(new URL('../fixtures/cloudformation/describe-stacks.convox-rack.after-update.json', import.meta.url)),
			'utf8',
		),
	) as {Stacks: Stack[]}
).Stacks[0]!;

const VERSION = '20160916121812';
const AMI = 'ami-0a7f3c9e21d4b5e86';

const worlds = stepWorlds();
/** The stack `convox` as an update left it, with its three instances; the release files of 2016 (the bundled template). */
const rackAfterUpdate = (stack: Stack = afterUpdate) =>
	worlds.start({aws: {stacks: stacksFromDescribeStacks({Stacks: [stack]}).map(seed => ({...seed, instances: 3}))}, releases: {}});

let world: StepWorld;
let helloWorld: Loopback;
let librato: Loopback;
let helloWorldUp = true;
let work: string;

beforeEach(async () => {
	helloWorldUp = true;
	helloWorld = await serve((_request, response) => reply(response, helloWorldUp ? 200 : 503, 'Hello World'));
	librato = await serve((_request, response) =>
		reply(response, 200, {series: [{tags: {}, measurements: [{time: Math.floor(Date.now() / 1000) - 5, value: 2}]}]}),
	);
	work = mkdtempSync(join(tmpdir(), 'verify-'));
	world = await rackAfterUpdate();
});

afterEach(async () => {
	await helloWorld.close();
	await librato.close();
});

interface Setup {
	world?: StepWorld;
	kind?: Run['kind'];
	flags?: Partial<Flags>;
	answers?: string[];
	interactive?: boolean;
	outputs?: {[S in StepId]?: RecordedOutputs<S>};
	checks?: CheckRecord[];
	account?: Record<string, unknown>;
	env?: NodeJS.ProcessEnv;
	rollbackOf?: RollbackTarget;
}

function context(setup: Setup = {}) {
	const flags: Partial<Flags> = {yes: false, confirm: [], ...setup.flags};
	const argsLog = join(work, 'convox-args.log');
	writeFileSync(argsLog, '');
	const prompt = new ScriptedPrompter(setup.answers ?? [], setup.interactive ?? !flags.yes);
	const {ctx, events} = (setup.world ?? world).context('verify', {
		account: {
			stackName: 'convox',
			helloWorldUrl: `${helloWorld.url}/`,
			librato: {source: 'aws.dev.*'},
			sumologic: {searchUrl: 'https://service.sumologic.com/ui/#/search/abc'},
			...setup.account,
		},
		config: {binaries: {convox: fakeConvox}},
		configDir: work,
		flags,
		run: {
			id: '20261125-010000-dev',
			kind: setup.kind ?? 'release',
			...(setup.rollbackOf ? {rollbackOf: setup.rollbackOf} : {}),
			checks: setup.checks ?? [],
		},
		...(setup.outputs ? {earlier: setup.outputs} : {}),
		prompt,
		secrets: {LIBRATO_EMAIL: 'ops@example.com', LIBRATO_TOKEN: 'token-never-shown'},
		environment: {
			FAKE_CONVOX_RACK: rackOutput,
			FAKE_CONVOX_ARGS_LOG: argsLog,
			LIBRATO_API_URL: librato.url,
			CONVOX_AMI_PROBE_TIMEOUT: '0.6',
			...setup.env,
		},
	});
	const checks = () => events.filter((event): event is Extract<RunEvent, {type: 'check'}> => event.type === 'check');
	const final = (id: string) =>
		checks()
			.filter(event => event.id === id)
			.at(-1);
	const convoxCalls = () => readFileSync(argsLog, 'utf8').trim().split('\n').filter(Boolean);
	return {ctx, events, prompt, final, convoxCalls};
}

const released = {
	'resolve-version': {convoxVersion: VERSION, sourceAmi: 'ami-0d1b2c3e4f5a69788'},
	build: {amiId: AMI, amiIds: {'us-east-1': AMI}},
	'update-stack': {
		stackStatus: 'UPDATE_COMPLETE',
		previousAmi: '',
		previousVersion: 'dev',
		completedAt: new Date(Date.now() - 60_000).toISOString(),
	},
};

/** A rollback run's verify: the stack is back on RollbackTarget, with the stock AMI when its Ami is empty. */
async function rolledBack(ami: string) {
	const stock = bundledFormation.Mappings.RegionConfig['us-east-1'].Ami;
	const parameters = afterUpdate.Parameters!.map(parameter =>
		parameter.ParameterKey === 'Ami' ? {...parameter, ParameterValue: ami} : parameter,
	);
	const world = await rackAfterUpdate({...afterUpdate, Parameters: parameters});
	const outputs = {
		'update-stack': {
			stackStatus: 'UPDATE_COMPLETE',
			previousAmi: AMI,
			previousVersion: VERSION,
			completedAt: new Date(Date.now() - 60_000).toISOString(),
		},
	};
	return {stock, world, outputs, rollbackOf: {runId: '20261124-090000-dev-abcd', ami, version: VERSION}};
}

describe('verifyStep', () => {
	it('after a rollback to the stock AMI skips metrics and logs with the reason, runs the rest, and passes under --yes alone', async () => {
		const {stock, world, outputs, rollbackOf} = await rolledBack('');
		const {ctx, events, final} = context({world, kind: 'rollback', flags: {yes: true}, outputs, rollbackOf});
		const result = await verifyStep.run(ctx);
		expect(result).toMatchObject({
			passed: ['rack', 'instances', 'hello-world'],
			skipped: ['metrics', 'logs'],
			failed: [],
			waiting: [],
			amiId: '',
			convoxVersion: VERSION,
		});
		expect(final('metrics')).toMatchObject({status: 'skipped', detail: 'the stock AMI ships no collectd: rolled back to the stock AMI'});
		expect(final('logs')).toMatchObject({status: 'skipped', detail: 'the stock AMI ships no logspout: rolled back to the stock AMI'});
		expect(final('instances')!.detail).toBe(`3 of 3 on ${stock}`);
		expect(librato.requests, 'no query for metrics the stock AMI cannot send').toHaveLength(0);
		expect(events.find(event => event.type === 'notice' && event.message.startsWith('Verifying'))).toMatchObject({
			message: expect.stringContaining(`AMI ${stock} (the stock AMI: the Ami parameter is empty), as rolled back by this run`),
		});
	});

	it('after a rollback to an AMI of ours runs metrics and logs as after a release', async () => {
		const {world, outputs, rollbackOf} = await rolledBack(AMI);
		const {ctx, final} = context({world, kind: 'rollback', flags: {yes: true, confirm: ['sumologic']}, outputs, rollbackOf});
		const result = await verifyStep.run(ctx);
		expect(result).toMatchObject({passed: ['rack', 'instances', 'hello-world', 'metrics', 'logs'], skipped: []});
		expect(final('metrics')).toMatchObject({kind: 'auto', status: 'pass'});
	});

	it('a standalone checklist of a rack on the stock AMI still runs metrics and logs', async () => {
		const {world} = await rolledBack('');
		const {ctx, final} = context({world, kind: 'checklist', flags: {yes: true}});
		await expect(verifyStep.run(ctx)).rejects.toBeInstanceOf(WaitingError);
		expect(final('logs')!.status).toBe('waiting');
		expect(final('metrics')!.status).not.toBe('skipped');
	});

	it('passes a released rack under --yes --confirm sumologic, with evidence for each item', async () => {
		const {ctx, final, convoxCalls} = context({flags: {yes: true, confirm: ['sumologic']}, outputs: released});
		const outputs = await verifyStep.run(ctx);
		expect(outputs).toEqual({
			passed: ['rack', 'instances', 'hello-world', 'metrics', 'logs'],
			failed: [],
			skipped: [],
			waiting: [],
			stackStatus: 'UPDATE_COMPLETE',
			convoxVersion: VERSION,
			amiId: AMI,
		});
		expect(final('rack')!.detail).toMatch(
			new RegExp(`^convox rack: convox-dev running ${VERSION}, 3 instances; stack convox UPDATE_COMPLETE, Ami ${AMI}, Version ${VERSION}`),
		);
		expect(final('instances')!.detail).toBe(`3 of 3 on ${AMI}`);
		expect(final('hello-world')!.detail).toMatch(/^HTTP 200 from http:\/\/127\.0\.0\.1:\d+\/ in \d+ ms$/);
		expect(final('metrics')).toMatchObject({kind: 'auto', status: 'pass'});
		expect(final('logs')).toMatchObject({kind: 'manual', status: 'pass', detail: 'confirmed with --confirm logs'});
		expect(convoxCalls()).toEqual(['rack --rack dev']);
		const request = new URL(librato.requests[0]!.url!, librato.url);
		expect(request.searchParams.get('source')).toBe('aws.dev.*');
	});

	it('fails naming hello-world when the app never answers (exit 1)', async () => {
		helloWorldUp = false;
		const {ctx, final} = context({flags: {yes: true, confirm: ['sumologic']}, outputs: released});
		const error = await verifyStep.run(ctx).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(StepFailedError);
		expect((error as StepFailedError).exitCode).toBe(EXIT.failed);
		expect((error as Error).message).toMatch(/^Verification failed: hello-world \(HTTP 503 .* gave up after 600 ms\)\)\.$/);
		expect((error as StepFailedError).hint).toContain('convox-ami rollback 20261125-010000-dev');
		expect(final('rack')!.status).toBe('pass');
	});

	it('waits (exit 3) on a manual item not confirmed under --yes, naming the flag that finishes it', async () => {
		const {ctx, final} = context({flags: {yes: true}, outputs: released});
		const error = await verifyStep.run(ctx).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(WaitingError);
		expect((error as WaitingError).exitCode).toBe(EXIT.waiting);
		expect((error as Error).message).toBe('Waiting for manual confirmation: logs (Logs reach SumoLogic).');
		expect((error as WaitingError).hint).toContain('convox-ami resume 20261125-010000-dev --yes --confirm logs');
		expect(final('logs')!.status).toBe('waiting');
	});

	it('on resume re-runs only the items that did not pass, and takes --confirm given then', async () => {
		const earlier = (id: string, status: CheckRecord['status'], kind: CheckRecord['kind'] = 'auto'): CheckRecord => ({
			id,
			title: id,
			kind,
			status,
			detail: 'earlier',
			required: true,
			attempts: 1,
			notes: [],
		});
		const {ctx, events, convoxCalls} = context({
			flags: {yes: true, confirm: ['sumologic']},
			outputs: released,
			checks: [
				earlier('rack', 'pass'),
				earlier('instances', 'pass'),
				earlier('hello-world', 'pass'),
				earlier('metrics', 'pass'),
				earlier('logs', 'waiting', 'manual'),
			],
		});
		const outputs = await verifyStep.run(ctx);
		expect(outputs.passed).toEqual(['rack', 'instances', 'hello-world', 'metrics', 'logs']);
		expect(convoxCalls()).toEqual([]);
		expect(helloWorld.requests).toHaveLength(0);
		expect(events.filter(event => event.type === 'check').map(event => (event as {id: string}).id)).toEqual(['logs', 'logs']);
		expect(events).toContainEqual(
			expect.objectContaining({type: 'notice', message: 'Kept from the earlier attempt: rack, instances, hello-world, metrics.'}),
		);
	});

	it('as a standalone checklist takes the stack as it is now, discovers hello-world and asks the manual items', async () => {
		const appsInfo = join(tmpdir(), `apps-info-${process.pid}.txt`);
		writeFileSync(appsInfo, `Name       hello-world\nStatus     running\nEndpoints  ${helloWorld.url.replace('http://', '')} (web)\n`);
		const {ctx, events, prompt, final, convoxCalls} = context({
			kind: 'checklist',
			answers: ['yes', 'yes'],
			account: {helloWorldUrl: undefined},
			env: {FAKE_CONVOX_APPS_INFO: appsInfo, LIBRATO_EMAIL: undefined, LIBRATO_TOKEN: undefined},
		});
		const outputs = await verifyStep.run(ctx);
		expect(outputs.passed).toEqual(['rack', 'instances', 'hello-world', 'metrics', 'logs']);
		expect(convoxCalls()).toContain('apps info hello-world --rack dev');
		expect(final('hello-world')!.detail).toContain(`from ${helloWorld.url}/`);
		expect(events).toContainEqual(
			expect.objectContaining({
				type: 'notice',
				message: `Verifying stack convox (UPDATE_COMPLETE): Convox ${VERSION}, AMI ${AMI}, as the stack is now.`,
			}),
		);
		expect(final('metrics')).toMatchObject({kind: 'manual', status: 'pass', detail: 'confirmed by the operator'});
		expect(prompt.asked.map(question => question.message)).toEqual([
			'Instances publish metrics: Does collectd.cpu.percent.user from aws.dev.* show data since the update in Librato? (set LIBRATO_EMAIL and LIBRATO_TOKEN to check automatically)\nhttps://metrics.librato.com/s/metrics/collectd.cpu.percent.user?source=aws.dev.*',
			'Logs reach SumoLogic: Do HTTP logs from this environment show up in the SumoLogic search since the update? (set logs.api, logs.query, SUMOLOGIC_ACCESS_ID, SUMOLOGIC_ACCESS_KEY to check automatically)\nhttps://service.sumologic.com/ui/#/search/abc',
		]);
		expect(final('rack')!.status).toBe('pass');
	});

	it('fails the rack item on a rolled-back stack even though convox says running', async () => {
		const rolledBackStack = await rackAfterUpdate({...afterUpdate, StackStatus: 'UPDATE_ROLLBACK_COMPLETE'});
		const {ctx, final} = context({world: rolledBackStack, flags: {yes: true, confirm: ['sumologic']}, outputs: released});
		await expect(verifyStep.run(ctx)).rejects.toThrow(
			'Verification failed: rack (stack convox is UPDATE_ROLLBACK_COMPLETE, expected UPDATE_COMPLETE',
		);
		expect(final('instances')!.status).toBe('pass');
	});

	it('runs the custom checks from the config; an optional failure only warns', async () => {
		const {ctx, events, final} = context({
			flags: {yes: true, confirm: ['sumologic', 'dns']},
			outputs: released,
			account: {
				checks: [
					{kind: 'http', id: 'status-page', title: 'Status page', url: `${helloWorld.url}/status`, expectBody: 'Hello', required: true},
					{kind: 'command', id: 'smoke', title: 'Smoke test', command: 'test -d .', expectExitCode: 0, required: true},
					{kind: 'command', id: 'extra', title: 'Extra', command: 'exit 2', expectExitCode: 0, required: false},
					{kind: 'manual', id: 'dns', title: 'DNS', question: 'Does the DNS name resolve?', required: true},
				],
			},
		});
		const outputs = await verifyStep.run(ctx);
		expect(outputs.passed).toEqual(['rack', 'instances', 'hello-world', 'metrics', 'logs', 'status-page', 'smoke', 'dns']);
		expect(outputs.failed).toEqual(['extra']);
		expect(final('smoke')!.detail).toMatch(/^`test -d \.` exited 0/);
		expect(events).toContainEqual(
			expect.objectContaining({
				type: 'notice',
				level: 'warn',
				message: expect.stringMatching(/^Optional check extra failed: `exit 2` exited 2/),
			}),
		);
	});

	it('leaves its results in the journal and the report, with the skip reason', async () => {
		helloWorldUp = false;
		const {ctx} = context({answers: ['yes', 'retry', 'skip', 'the hello-world app is being redeployed']});
		const outputs = await verifyStep.run(ctx);
		expect(outputs).toMatchObject({skipped: ['hello-world'], failed: []});
		const run: Run = {...ctx.run, steps: [{id: 'verify', status: 'done', attempts: 1, outputs}]};
		expect(run.checks.find(check => check.id === 'hello-world')).toMatchObject({
			status: 'skipped',
			notes: ['Skipped: the hello-world app is being redeployed'],
		});
		const report = renderReport(run);
		expect(report).toMatch(
			/\| \*\*hello-world answers through its load balancer\*\* \(`hello-world`, auto\) \| ↷ skipped \| HTTP 503 .* \|/,
		);
		expect(report).toContain('- **hello-world**: Skipped: the hello-world app is being redeployed');
		expect(report).toContain('As found by the checklist: **UPDATE_COMPLETE**');
		expect(report).not.toContain('token-never-shown');
	});

	it('never puts the Librato token in an event', async () => {
		const {ctx, events} = context({flags: {yes: true, confirm: ['sumologic']}, outputs: released});
		await verifyStep.run(ctx);
		expect(JSON.stringify(events)).not.toContain('token-never-shown');
	});
});
