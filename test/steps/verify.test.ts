import {AutoScalingClient} from '@aws-sdk/client-auto-scaling';
import {createRunSecrets} from '../../source/services/run-secrets';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {CloudFormationClient, DescribeStacksCommand, type Stack} from '@aws-sdk/client-cloudformation';
import {CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import {DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2';
import {IAMClient} from '@aws-sdk/client-iam';
import {SSMClient} from '@aws-sdk/client-ssm';
import {STSClient} from '@aws-sdk/client-sts';
import {mockClient} from 'aws-sdk-client-mock';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {accountSchema, type AccountConfig} from '../../source/config/schema';
import bundledFormation from '../../source/rehearsal/data/formation.json';
import {LIVE_POLICY, type Services} from '../../source/core/ports';
import {verifyStep} from '../../source/steps/verify';
import {forgetStack} from '../../source/services/cloudformation/stack';
import {EXIT, StepFailedError, WaitingError} from '../../source/core/errors';
import {reduceRun} from '../../source/workflow/reducer';
import {renderReport} from '../../source/workflow/report';
import {stepVerbs, type Flags, type StepContext} from '../../source/core/step';
import {outputsOf} from '../../source/core/step-outputs';
import {
	STEP_IDS,
	type CheckRecord,
	type RollbackTarget,
	type Run,
	type RunEvent,
	type RunEventInput,
	type StepId,
} from '../../source/core/types';
import type {Outputs} from '../../source/core/step-outputs';
import {ScriptedPrompter} from '../checklist/scripted-prompter';
import {reply, serve, type Loopback} from '../support/loopback';

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
const credentials = {accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret'};
const cloudformation = new CloudFormationClient({region: 'us-east-1', credentials});
const ec2 = new EC2Client({region: 'us-east-1', credentials});
const cfnMock = mockClient(cloudformation);
const ec2Mock = mockClient(ec2);

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
	cfnMock.on(DescribeStacksCommand).resolves({Stacks: [afterUpdate]});
	ec2Mock.on(DescribeInstancesCommand).resolves({
		Reservations: [{Instances: ['i-1', 'i-2', 'i-3'].map(id => ({InstanceId: id, ImageId: AMI}))}],
	});
});

afterEach(async () => {
	// One client serves every test: a stack read by one test must not stand for the next test's.
	forgetStack(cloudformation, 'convox');
	cfnMock.reset();
	ec2Mock.reset();
	await helloWorld.close();
	await librato.close();
});

interface Setup {
	kind?: Run['kind'];
	flags?: Partial<Flags>;
	answers?: string[];
	interactive?: boolean;
	outputs?: Partial<Record<StepId, Outputs>>;
	checks?: CheckRecord[];
	account?: Partial<AccountConfig>;
	env?: NodeJS.ProcessEnv;
	rollbackOf?: RollbackTarget;
	releases?: Services['releases'];
}

function context(setup: Setup = {}) {
	const events: RunEventInput[] = [];
	const account = accountSchema.parse({
		accountId: '111111111111',
		stackName: 'convox',
		rack: 'dev',
		helloWorldUrl: `${helloWorld.url}/`,
		librato: {source: 'aws.dev.*'},
		sumologic: {searchUrl: 'https://service.sumologic.com/ui/#/search/abc'},
		...setup.account,
	});
	const flags: Flags = {dryRun: false, rehearse: false, yes: false, confirm: [], json: false, ...setup.flags};
	const argsLog = join(work, 'convox-args.log');
	writeFileSync(argsLog, '');
	const services = {
		releases: setup.releases ?? (undefined as never),
		aws: async () => ({
			cloudformation,
			ec2,
			sts: new STSClient({region: 'us-east-1', credentials}),
			ssm: new SSMClient({region: 'us-east-1', credentials}),
			iam: new IAMClient({region: 'us-east-1', credentials}),
			cloudwatch: new CloudWatchClient({region: 'us-east-1', credentials}),
			autoScaling: new AutoScalingClient({region: 'us-east-1', credentials}),
			ec2For: () => ec2,
			credentials: async () => credentials,
		}),
		binaries: {packer: 'packer', convox: fakeConvox, git: 'git'},
		env: {
			...process.env,
			FAKE_CONVOX_RACK: rackOutput,
			FAKE_CONVOX_ARGS_LOG: argsLog,
			LIBRATO_EMAIL: 'ops@example.com',
			LIBRATO_TOKEN: 'token-never-shown',
			LIBRATO_API_URL: librato.url,
			CONVOX_AMI_PROBE_TIMEOUT: '0.6',
			...setup.env,
		},
		policy: LIVE_POLICY,
	} satisfies Services;
	const run: Run = {
		schemaVersion: 1,
		id: '20261125-010000-dev',
		kind: setup.kind ?? 'release',
		...(setup.rollbackOf ? {rollbackOf: setup.rollbackOf} : {}),
		env: 'dev',
		mode: 'live',
		production: false,
		status: 'running',
		createdAt: new Date().toISOString(),
		updatedAt: new Date().toISOString(),
		options: {region: 'us-east-1', dryRun: false, confirm: flags.confirm, yes: flags.yes},
		steps: [],
		checks: setup.checks ?? [],
		history: [],
	};
	const prompt = new ScriptedPrompter(setup.answers ?? [], setup.interactive ?? !flags.yes);
	const ctx: StepContext = {
		run,
		config: {region: 'us-east-1', binaries: {}, accounts: {dev: account}},
		configDir: work,
		envName: 'dev',
		account,
		region: 'us-east-1',
		flags,
		services,
		secrets: createRunSecrets(services.env),
		prompt,
		paths: {stateDir: work, journal: join(work, 'run.json'), packerLog: join(work, 'packer.log'), report: join(work, 'report.md')},
		signal: new AbortController().signal,
		outputs: step => outputsOf({steps: STEP_IDS.map(id => ({id, status: 'done', attempts: 1, outputs: setup.outputs?.[id] ?? {}}))}, step),
		emit: event => events.push(event),
		...stepVerbs('verify', event => events.push(event)),
		interceptInterrupt: () => () => undefined,
	};
	const checks = () => events.filter((event): event is Extract<RunEventInput, {type: 'check'}> => event.type === 'check');
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
function rolledBack(ami: string) {
	const stock = bundledFormation.Mappings.RegionConfig['us-east-1'].Ami;
	cfnMock.on(DescribeStacksCommand).resolves({
		Stacks: [
			{
				...afterUpdate,
				Parameters: afterUpdate.Parameters!.map(parameter =>
					parameter.ParameterKey === 'Ami' ? {...parameter, ParameterValue: ami} : parameter,
				),
			},
		],
	});
	ec2Mock
		.on(DescribeInstancesCommand)
		.resolves({Reservations: [{Instances: ['i-1', 'i-2', 'i-3'].map(id => ({InstanceId: id, ImageId: ami || stock}))}]});
	const releases = {
		baseUrl: 'https://releases.example',
		templateUrl: (version: string) => `https://releases.example/${version}/formation.json`,
		versions: async () => [],
		formation: async (version: string) => ({
			url: `https://releases.example/${version}/formation.json`,
			bytes: 1,
			template: bundledFormation,
		}),
	} as unknown as Services['releases'];
	const outputs = {
		'update-stack': {
			stackStatus: 'UPDATE_COMPLETE',
			previousAmi: AMI,
			previousVersion: VERSION,
			completedAt: new Date(Date.now() - 60_000).toISOString(),
		},
	};
	return {stock, releases, outputs, rollbackOf: {runId: '20261124-090000-dev-abcd', ami, version: VERSION}};
}

describe('verifyStep', () => {
	it('after a rollback to the stock AMI skips metrics and logs with the reason, runs the rest, and passes under --yes alone', async () => {
		const {stock, releases, outputs, rollbackOf} = rolledBack('');
		const {ctx, events, final} = context({kind: 'rollback', flags: {yes: true}, outputs, rollbackOf, releases});
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
		const {releases, outputs, rollbackOf} = rolledBack(AMI);
		const {ctx, final} = context({kind: 'rollback', flags: {yes: true, confirm: ['sumologic']}, outputs, rollbackOf, releases});
		const result = await verifyStep.run(ctx);
		expect(result).toMatchObject({passed: ['rack', 'instances', 'hello-world', 'metrics', 'logs'], skipped: []});
		expect(final('metrics')).toMatchObject({kind: 'auto', status: 'pass'});
	});

	it('a standalone checklist of a rack on the stock AMI still runs metrics and logs', async () => {
		const {releases} = rolledBack('');
		const {ctx, final} = context({kind: 'checklist', flags: {yes: true}, releases});
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
		cfnMock.on(DescribeStacksCommand).resolves({Stacks: [{...afterUpdate, StackStatus: 'UPDATE_ROLLBACK_COMPLETE'}]});
		const {ctx, final} = context({flags: {yes: true, confirm: ['sumologic']}, outputs: released});
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
		const {ctx, events} = context({answers: ['yes', 'retry', 'skip', 'the hello-world app is being redeployed']});
		const outputs = await verifyStep.run(ctx);
		expect(outputs).toMatchObject({skipped: ['hello-world'], failed: []});
		const run = events.reduce<Run>(
			(state, event, index) =>
				reduceRun(state, {...event, runId: state.id, at: new Date(Date.UTC(2026, 10, 25, 1, 0, index)).toISOString()} as RunEvent),
			{
				...ctx.run,
				steps: [{id: 'verify', status: 'done', attempts: 1, outputs}],
			},
		);
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
