import {AutoScalingClient} from '@aws-sdk/client-auto-scaling';
import {createRunSecrets} from '../../source/services/run-secrets';
import {readFileSync} from 'node:fs';
import {CloudFormationClient} from '@aws-sdk/client-cloudformation';
import {CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import {EC2Client} from '@aws-sdk/client-ec2';
import {IAMClient} from '@aws-sdk/client-iam';
import {SSMClient} from '@aws-sdk/client-ssm';
import {STSClient} from '@aws-sdk/client-sts';
import {afterEach, describe, expect, it} from 'vitest';
import type {AccountConfig} from '../../source/config/schema';
import {startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {stacksFromDescribeStacks} from '../../source/rehearsal/aws/state';
import {startReleasesStandIn, type ReleasesStandIn} from '../../source/rehearsal/releases-stand-in';
import {createReleasesService} from '../../source/services/releases';
import {LIVE_POLICY} from '../../source/core/ports';
import {resolveVersionStep} from '../../source/steps/resolve-version';
import {MissingInputError, UsageError} from '../../source/core/errors';
import {stepVerbs, type Flags, type StepContext} from '../../source/core/step';
import {STEP_IDS, type Run, type RunEventInput} from '../../source/core/types';
import {ScriptedPrompter} from '../checklist/scripted-prompter';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const template2026 = fixture('releases/formation.20260421192651.json');
const AL2 = '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id';
const AL2023 = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';

let stopAll: Array<() => Promise<void>> = [];
afterEach(async () => {
	await Promise.all(stopAll.map(stop => stop()));
	stopAll = [];
});

async function standIns(ssmDenied?: string[]): Promise<{aws: AwsStandIn; releases: ReleasesStandIn}> {
	const [stack] = stacksFromDescribeStacks(fixture('cloudformation/describe-stacks.convox-rack.modern.json'));
	const aws = await startAwsStandIn({
		stacks: [{...stack!, StackName: 'convox-dev', template: template2026, instances: 1}],
		ssmParameters: {[AL2]: 'ami-0c4bd6ac1ce6c0ad2', [AL2023]: 'ami-0e1d2c3b4a5f60718'},
		...(ssmDenied ? {ssmDenied} : {}),
		images: [
			{imageId: 'ami-0c4bd6ac1ce6c0ad2', name: 'amzn2-ami-ecs', architecture: 'x86_64', public: true},
			{imageId: 'ami-0e1d2c3b4a5f60718', name: 'al2023-ami-ecs', architecture: 'x86_64', public: true},
		],
	});
	const releases = await startReleasesStandIn({
		versions: fixture('releases/versions.modern.sample.json'),
		formations: {
			'20251210124504': template2026,
			'20260212195551': template2026,
			'20260708102410': fixture('releases/formation.20260708102410.al2023.assembled.json'),
		},
	});
	stopAll.push(aws.close, releases.close);
	return {aws, releases};
}

function contextFor(
	aws: AwsStandIn,
	releases: ReleasesStandIn,
	prompt: ScriptedPrompter,
	flags: Partial<Flags>,
	events: RunEventInput[],
): StepContext {
	const config = {credentials: {accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'not-a-secret'}, region: 'us-east-1', endpoint: aws.url};
	const ec2 = new EC2Client(config);
	const clients = {
		cloudformation: new CloudFormationClient(config),
		sts: new STSClient(config),
		ec2,
		ec2For: () => ec2,
		ssm: new SSMClient(config),
		iam: new IAMClient(config),
		cloudwatch: new CloudWatchClient(config),
		autoScaling: new AutoScalingClient(config),
		credentials: async () => config.credentials,
	};
	const account: AccountConfig = {accountId: '111111111111', stackName: 'convox-dev', production: false, checks: []};
	const now = new Date().toISOString();
	const run: Run = {
		schemaVersion: 1,
		id: 'run-1',
		kind: 'release',
		env: 'dev',
		mode: 'live',
		production: false,
		status: 'running',
		createdAt: now,
		updatedAt: now,
		options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
		steps: STEP_IDS.map(id => ({id, status: 'pending', attempts: 0, outputs: {}})),
		checks: [],
		history: [],
	};
	return {
		run,
		config: {region: 'us-east-1', binaries: {}, accounts: {dev: account}, buildInstanceTypes: {x86_64: 'c6i.large'}},
		configDir: '/tmp',
		accountName: 'dev',
		account,
		region: 'us-east-1',
		flags: {dryRun: false, rehearse: false, yes: false, confirm: [], json: false, ...flags},
		services: {
			releases: createReleasesService({baseUrl: releases.url, retries: 0}),
			aws: async () => clients,
			binaries: {packer: 'packer', convox: 'convox', git: 'git'},
			environment: {},
			policy: LIVE_POLICY,
		},
		secrets: createRunSecrets({}),
		prompt,
		paths: {stateDir: '/tmp', journal: '/tmp/j.json', packerLog: '/tmp/p.log', report: '/tmp/r.md'},
		signal: new AbortController().signal,
		outputs: () => ({}),
		emit: event => events.push(event),
		...stepVerbs('resolve-version', event => events.push(event)),
		interceptInterrupt: () => () => undefined,
	};
}

describe('resolve-version: a pin past a required version', () => {
	it('asks the operator; no stops with nothing read from SSM, yes goes on and says so', async () => {
		const {aws, releases} = await standIns();
		const refusing = new ScriptedPrompter(['no']);
		const pin = {convoxVersion: '20260708102410'};
		await expect(resolveVersionStep.run(contextFor(aws, releases, refusing, pin, []))).rejects.toThrow(UsageError);
		expect(refusing.asked).toEqual([
			{
				kind: 'confirm',
				message: expect.stringContaining('jumps over the required version 20260212195551 (the stack is on 20251210124504)'),
				remedy: '--yes --skip-required',
			},
		]);
		expect(aws.calls.filter(call => call.service === 'ssm')).toEqual([]);

		const events: RunEventInput[] = [];
		const outputs = await resolveVersionStep.run(contextFor(aws, releases, new ScriptedPrompter(['yes']), pin, events));
		expect(outputs).toMatchObject({
			convoxVersion: '20260708102410',
			versionRule: 'pinned',
			amiParameter: AL2023,
			sourceAmi: 'ami-0e1d2c3b4a5f60718',
			buildInstanceType: 'c6i.large',
		});
		expect(events).toContainEqual(
			expect.objectContaining({type: 'notice', level: 'warn', message: expect.stringContaining('(confirmed by the operator)')}),
		);
	});

	it('with nobody to ask it names --yes --skip-required; a pin of the required version itself is not asked about', async () => {
		const {aws, releases} = await standIns();
		await expect(
			resolveVersionStep.run(contextFor(aws, releases, new ScriptedPrompter([], false), {convoxVersion: '20260708102410'}, [])),
		).rejects.toThrow(MissingInputError);
		const quiet = new ScriptedPrompter([]);
		const outputs = await resolveVersionStep.run(contextFor(aws, releases, quiet, {convoxVersion: '20260212195551', yes: true}, []));
		expect(outputs).toMatchObject({convoxVersion: '20260212195551', versionRule: 'pinned', amiParameter: AL2});
		expect(quiet.asked).toEqual([]);
	});
});

describe('resolve-version: an SSM parameter that cannot be read', () => {
	it('access denied ends with the path, the account, the region and what to allow', async () => {
		const {aws, releases} = await standIns([AL2]);
		const error = await resolveVersionStep
			.run(contextFor(aws, releases, new ScriptedPrompter([]), {yes: true}, []))
			.catch((caught: unknown) => caught as UsageError);
		expect(error).toBeInstanceOf(UsageError);
		expect((error as UsageError).message).toMatch(
			new RegExp(
				`^The SSM parameter ${AL2} cannot be read in account 111111111111, region us-east-1: access denied \\(User is not authorized to perform: ssm:GetParameter`,
			),
		);
		expect((error as UsageError).hint).toContain('Allow ssm:GetParameter on it.');
		expect(aws.calls.filter(call => call.service === 'ssm').map(call => call.error)).toEqual(['AccessDeniedException']);
	});
});
