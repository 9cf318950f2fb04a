import {
	CancelUpdateStackCommand,
	CreateChangeSetCommand,
	DeleteChangeSetCommand,
	DescribeChangeSetCommand,
	DescribeStackEventsCommand,
	DescribeStacksCommand,
	ExecuteChangeSetCommand,
	GetTemplateSummaryCommand,
	ListChangeSetsCommand,
	UpdateStackCommand,
	paginateDescribeStackEvents,
	paginateDescribeStacks,
	waitUntilChangeSetCreateComplete,
	type Capability,
	type CloudFormationClient,
	type Parameter,
	type StackEvent,
} from '@aws-sdk/client-cloudformation';
import {readFile} from 'node:fs/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {rackStackSeed, startAwsStandIn, type AwsStandIn, type AwsStandInOptions} from '../../source/rehearsal/aws-stand-in';
import {stacksFromDescribeStacks} from '../../source/rehearsal/aws/state';
import {bundledTemplateFor, startReleasesStandIn, type ReleasesStandIn} from '../../source/rehearsal/releases-stand-in';
import {clients, parameterMap, settled} from './aws-clients';

const newAmi = 'ami-0a7f3c9e21d4b5e86';
const newVersion = '20160916121812';
let aws: AwsStandIn;
let releases: ReleasesStandIn;

async function start(options: AwsStandInOptions = {}) {
	releases = await startReleasesStandIn();
	aws = await startAwsStandIn({tickMs: 5, changeSetDelayMs: 0, stacks: [rackStackSeed()], ...options});
	return clients(aws.url).cloudformation;
}

afterEach(async () => {
	await aws?.close();
	await releases?.close();
});

/** The update the tool makes: Ami and Version set, UsePreviousValue for parameters in both stack and template. */
async function releaseParameters(
	cloudformation: CloudFormationClient,
	templateUrl: string,
	values: Record<string, string>,
): Promise<Parameter[]> {
	const summary = await cloudformation.send(new GetTemplateSummaryCommand({TemplateURL: templateUrl}));
	const {Stacks} = await cloudformation.send(new DescribeStacksCommand({StackName: 'convox'}));
	const current = new Set(Stacks![0]!.Parameters!.map(parameter => parameter.ParameterKey));
	return summary.Parameters!.flatMap(({ParameterKey: key}): Parameter[] => {
		if (values[key!] !== undefined) {
			return [{ParameterKey: key, ParameterValue: values[key!]}];
		}

		return current.has(key) ? [{ParameterKey: key, UsePreviousValue: true}] : [];
	});
}

async function createChangeSet(cloudformation: CloudFormationClient, name: string, values = {Ami: newAmi, Version: newVersion}) {
	const templateUrl = `${releases.url}/${newVersion}/formation.json`;
	const parameters = await releaseParameters(cloudformation, templateUrl, values);
	return cloudformation.send(
		new CreateChangeSetCommand({
			StackName: 'convox',
			ChangeSetName: name,
			TemplateURL: templateUrl,
			Parameters: parameters,
			Capabilities: ['CAPABILITY_IAM'],
			ChangeSetType: 'UPDATE',
		}),
	);
}

async function allEvents(cloudformation: CloudFormationClient): Promise<StackEvent[]> {
	const events: StackEvent[] = [];
	for await (const page of paginateDescribeStackEvents({client: cloudformation}, {StackName: 'convox'})) {
		events.push(...page.StackEvents!);
	}

	return events;
}

describe('AWS stand-in: CloudFormation through the real SDK', () => {
	it('plays out a clean update: change set, execute, events, UPDATE_COMPLETE with the new parameters', async () => {
		const cloudformation = await start();
		const before = aws.state.instancesOf('convox').map(instance => instance.instanceId);
		const created = await createChangeSet(cloudformation, 'convox-ami-1');
		expect(created.Id).toMatch(/^arn:aws:cloudformation:us-east-1:111111111111:changeSet\/convox-ami-1\//);

		const changeSet = await cloudformation.send(new DescribeChangeSetCommand({StackName: 'convox', ChangeSetName: 'convox-ami-1'}));
		expect(changeSet.Status).toBe('CREATE_COMPLETE');
		expect(changeSet.ExecutionStatus).toBe('AVAILABLE');
		expect(parameterMap(changeSet.Parameters)).toMatchObject({Ami: newAmi, Version: newVersion, InstanceCount: '3', Password: '****'});
		const changes = changeSet.Changes!.map(change => change.ResourceChange!);
		expect(changes).toContainEqual(
			expect.objectContaining({
				Action: 'Modify',
				LogicalResourceId: 'LaunchConfiguration',
				ResourceType: 'AWS::AutoScaling::LaunchConfiguration',
				Replacement: 'True',
			}),
		);
		expect(changes).toContainEqual(
			expect.objectContaining({LogicalResourceId: 'Instances', ResourceType: 'AWS::AutoScaling::AutoScalingGroup', Replacement: 'False'}),
		);
		expect(changes).toContainEqual(expect.objectContaining({LogicalResourceId: 'RackWebTasks'}));

		await cloudformation.send(new ExecuteChangeSetCommand({StackName: 'convox', ChangeSetName: created.Id}));
		const {Stacks} = await cloudformation.send(new DescribeStacksCommand({StackName: 'convox'}));
		expect(Stacks![0]!.StackStatus).toBe('UPDATE_IN_PROGRESS');

		const stack = await settled(cloudformation, 'convox');
		expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
		expect(parameterMap(stack.Parameters)).toMatchObject({
			Ami: newAmi,
			Version: newVersion,
			Tenancy: 'default',
			Key: 'convox-keypair-4415',
		});

		const events = await allEvents(cloudformation);
		const lines = events.toReversed().map(event => `${event.LogicalResourceId} ${event.ResourceStatus}`);
		expect(lines.indexOf('convox UPDATE_IN_PROGRESS')).toBeLessThan(lines.indexOf('LaunchConfiguration UPDATE_COMPLETE'));
		expect(lines.indexOf('Instances UPDATE_COMPLETE')).toBeLessThan(lines.indexOf('convox UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'));
		expect(lines.at(-1)).toBe('convox UPDATE_COMPLETE');
		expect(events[0]!.Timestamp).toBeInstanceOf(Date);
		expect(events.map(event => event.ResourceStatusReason)).toContain(`Successfully terminated instance(s) [${before[0]}] (Progress 33%).`);

		const after = aws.state.instancesOf('convox');
		expect(after).toHaveLength(3);
		expect(after.every(instance => instance.imageId === newAmi && !before.includes(instance.instanceId))).toBe(true);
		const executed = await cloudformation.send(new DescribeChangeSetCommand({StackName: 'convox', ChangeSetName: 'convox-ami-1'}));
		expect(executed.ExecutionStatus).toBe('EXECUTE_COMPLETE');
	});

	it("rolls back with the failed resource's reason first, then the cascade, and the old parameters", async () => {
		const cloudformation = await start({stacks: [rackStackSeed({scenario: 'rollback'})]});
		const before = aws.state
			.instancesOf('convox')
			.map(instance => instance.instanceId)
			.sort();
		const {Id} = await createChangeSet(cloudformation, 'convox-ami-2');
		await cloudformation.send(new ExecuteChangeSetCommand({ChangeSetName: Id}));
		const stack = await settled(cloudformation, 'convox');
		expect(stack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
		expect(parameterMap(stack.Parameters)).toMatchObject({Ami: '', Version: '20160820033210'});

		const failures = (await allEvents(cloudformation)).filter(event => event.ResourceStatus === 'UPDATE_FAILED').toReversed();
		expect(failures[0]).toMatchObject({
			LogicalResourceId: 'Instances',
			ResourceStatusReason: expect.stringMatching(/^Received 0 SUCCESS signal\(s\) out of 1/),
		});
		expect(failures.slice(1).map(event => event.ResourceStatusReason)).toEqual(['Resource update cancelled', 'Resource update cancelled']);
		expect(
			aws.state
				.instancesOf('convox')
				.map(instance => instance.instanceId)
				.sort(),
		).toEqual(before);
		const changeSet = await cloudformation.send(new DescribeChangeSetCommand({ChangeSetName: Id}));
		expect(changeSet.ExecutionStatus).toBe('EXECUTE_FAILED');
	});

	it('fails the first changed resource when a Version-only update rolls back, and keeps the instances', async () => {
		const cloudformation = await start({stacks: [rackStackSeed({scenario: 'rollback'})], failureReason: 'Service did not stabilize'});
		const before = aws.state.instancesOf('convox');
		const {Id} = await createChangeSet(cloudformation, 'version-only', {Ami: '', Version: newVersion});
		const changeSet = await cloudformation.send(new DescribeChangeSetCommand({ChangeSetName: Id}));
		expect(changeSet.Changes!.map(change => change.ResourceChange!.LogicalResourceId)).toEqual([
			'RackWebTasks',
			'RackMonitorTasks',
			'RackWeb',
			'RackMonitor',
		]);
		await cloudformation.send(new ExecuteChangeSetCommand({ChangeSetName: Id}));
		const stack = await settled(cloudformation, 'convox');
		expect(stack).toMatchObject({StackStatus: 'UPDATE_ROLLBACK_COMPLETE'});
		const failures = (await allEvents(cloudformation)).filter(event => event.ResourceStatus === 'UPDATE_FAILED').toReversed();
		expect(failures.map(event => `${event.LogicalResourceId}: ${event.ResourceStatusReason}`)).toEqual([
			'RackWeb: Service did not stabilize',
			'RackMonitor: Resource update cancelled',
		]);
		expect(aws.state.instancesOf('convox')).toEqual(before);
	});

	it('ends in UPDATE_ROLLBACK_FAILED when the rollback itself fails', async () => {
		const cloudformation = await start({stacks: [rackStackSeed({scenario: 'rollback-failed'})]});
		const {Id} = await createChangeSet(cloudformation, 'convox-ami-3');
		await cloudformation.send(new ExecuteChangeSetCommand({ChangeSetName: Id}));
		const stack = await settled(cloudformation, 'convox');
		expect(stack).toMatchObject({
			StackStatus: 'UPDATE_ROLLBACK_FAILED',
			StackStatusReason: 'The following resource(s) failed to update: [Instances]. ',
		});
		await expect(createChangeSet(cloudformation, 'convox-ami-4')).rejects.toMatchObject({
			name: 'ValidationError',
			message: expect.stringContaining('is in UPDATE_ROLLBACK_FAILED state and can not be updated.'),
		});
	});

	it('reports a change set without changes as FAILED with CloudFormation\'s reason, and UpdateStack as "No updates are to be performed."', async () => {
		const cloudformation = await start({changeSetDelayMs: 400});
		await createChangeSet(cloudformation, 'same', {Ami: '', Version: '20160820033210'});
		const describe = () => cloudformation.send(new DescribeChangeSetCommand({StackName: 'convox', ChangeSetName: 'same'}));
		expect((await describe()).Status).toMatch(/^CREATE_(PENDING|IN_PROGRESS)$/);
		let failed = await describe();
		while (failed.Status?.startsWith('CREATE_')) {
			await new Promise(resolve => setTimeout(resolve, 50));
			failed = await describe();
		}
		expect(failed).toMatchObject({
			Status: 'FAILED',
			ExecutionStatus: 'UNAVAILABLE',
			StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set.",
		});

		const {Summaries} = await cloudformation.send(new ListChangeSetsCommand({StackName: 'convox'}));
		expect(Summaries!.map(summary => summary.ChangeSetName)).toEqual(['same']);
		await cloudformation.send(new DeleteChangeSetCommand({StackName: 'convox', ChangeSetName: 'same'}));
		await expect(cloudformation.send(new DescribeChangeSetCommand({StackName: 'convox', ChangeSetName: 'same'}))).rejects.toMatchObject({
			name: 'ChangeSetNotFoundException',
		});

		const unchanged = aws.state.stack('convox').parameters.map(parameter => ({ParameterKey: parameter.key, UsePreviousValue: true}));
		await expect(
			cloudformation.send(
				new UpdateStackCommand({StackName: 'convox', UsePreviousTemplate: true, Capabilities: ['CAPABILITY_IAM'], Parameters: unchanged}),
			),
		).rejects.toMatchObject({name: 'ValidationError', message: 'No updates are to be performed.', $metadata: {httpStatusCode: 400}});
		expect(aws.writes().map(call => call.action)).toEqual(['CreateChangeSet', 'DeleteChangeSet', 'UpdateStack']);
	});

	it('validates like CloudFormation: UsePreviousValue for a parameter the stack lacks, dropped parameters, missing CAPABILITY_IAM, unknown stack', async () => {
		const fixture = JSON.parse(
			await readFile(new URL('../fixtures/cloudformation/describe-stacks.convox-rack.v20160323012659.json', import.meta.url), 'utf8'),
		) as unknown;
		const cloudformation = await start({stacks: stacksFromDescribeStacks(fixture)});
		const templateUrl = `${releases.url}/${newVersion}/formation.json`;
		const {Stacks} = await cloudformation.send(new DescribeStacksCommand({StackName: 'convox-dev'}));
		const everyOld = Stacks![0]!.Parameters!.map(({ParameterKey}) => ({ParameterKey, UsePreviousValue: true}));
		const request = (parameters: Parameter[], capabilities: Capability[] = ['CAPABILITY_IAM']) =>
			cloudformation.send(
				new CreateChangeSetCommand({
					StackName: 'convox-dev',
					ChangeSetName: 'checked',
					TemplateURL: templateUrl,
					Capabilities: capabilities,
					Parameters: parameters,
				}),
			);

		await expect(request([{ParameterKey: 'SwapSize', UsePreviousValue: true}])).rejects.toMatchObject({
			name: 'ValidationError',
			message:
				'Invalid input for parameter key SwapSize. Cannot specify usePreviousValue as true for a parameter key not in the previous template',
		});
		await expect(request(everyOld)).rejects.toMatchObject({
			name: 'ValidationError',
			message:
				'Parameters: [Certificate, DockerImageApi, DockerImageApp, DockerImageBuild, DockerImageService, RegistryHost, RegistryPort] do not exist in the template',
		});

		const summary = await cloudformation.send(new GetTemplateSummaryCommand({TemplateURL: templateUrl}));
		const old = new Set(everyOld.map(parameter => parameter.ParameterKey));
		const kept = summary
			.Parameters!.filter(({ParameterKey}) => old.has(ParameterKey) && ParameterKey !== 'Ami')
			.map(({ParameterKey}) => ({ParameterKey, UsePreviousValue: true}));
		const update = [...kept, {ParameterKey: 'Ami', ParameterValue: newAmi}];
		await expect(request(update, [])).rejects.toMatchObject({
			name: 'InsufficientCapabilitiesException',
			message: 'Requires capabilities : [CAPABILITY_IAM]',
		});
		await request(update);
		const changeSet = await cloudformation.send(new DescribeChangeSetCommand({StackName: 'convox-dev', ChangeSetName: 'checked'}));
		expect(parameterMap(changeSet.Parameters)).toMatchObject({Ami: newAmi, SwapSize: '5', InstanceUpdateBatchSize: '1'});

		await expect(cloudformation.send(new DescribeStacksCommand({StackName: 'convox-prod'}))).rejects.toMatchObject({
			name: 'ValidationError',
			message: 'Stack with id convox-prod does not exist',
		});
	});

	it('answers Throttling that the SDK retries on its own', async () => {
		const cloudformation = await start({throttle: {count: 1, actions: ['DescribeStacks']}});
		const {Stacks, $metadata} = await cloudformation.send(new DescribeStacksCommand({StackName: 'convox'}));
		expect(Stacks![0]!.StackName).toBe('convox');
		expect($metadata.attempts).toBe(2);
		expect(aws.calls.map(call => call.error ?? 'ok')).toEqual(['Throttling', 'ok']);
	});

	it('pages DescribeStackEvents newest first with NextToken', async () => {
		const cloudformation = await start({eventsPageSize: 4});
		const {Id} = await createChangeSet(cloudformation, 'paged');
		await cloudformation.send(new ExecuteChangeSetCommand({ChangeSetName: Id}));
		await settled(cloudformation, 'convox');
		const first = await cloudformation.send(new DescribeStackEventsCommand({StackName: 'convox'}));
		expect(first.StackEvents).toHaveLength(4);
		expect(first.StackEvents![0]!.ResourceStatus).toBe('UPDATE_COMPLETE');
		expect(first.NextToken).toBeTruthy();
		const events = await allEvents(cloudformation);
		expect(events.length).toBe(aws.state.stack('convox').events.length);
		expect(new Set(events.map(event => event.EventId)).size).toBe(events.length);
		expect(events.at(-1)!.ResourceStatus).toBe('UPDATE_COMPLETE');
		expect(events.at(-1)!.Timestamp!.toISOString()).toBe('2016-08-27T16:29:05.963Z');
	});

	it("lists, without StackName, the stacks of the caller's account and region only, page by page with NextToken", async () => {
		const cloudformation = await start({
			stacksPageSize: 2,
			stacks: [
				...['a', 'b', 'c'].map(stackName => rackStackSeed({stackName})),
				rackStackSeed({stackName: 'other-region', region: 'eu-west-1'}),
				rackStackSeed({stackName: 'other-account', accountId: '222222222222'}),
			],
		});
		const pages = [];
		for await (const page of paginateDescribeStacks({client: cloudformation}, {})) pages.push(page);
		expect(pages.map(page => page.Stacks!.map(stack => stack.StackName))).toEqual([['a', 'b'], ['c']]);
		expect(pages[0]!.NextToken).toBeTruthy();
		const {Stacks} = await cloudformation.send(new DescribeStacksCommand({StackName: 'other-account'}));
		expect(Stacks![0]!.StackStatus).toBe('UPDATE_COMPLETE');
	});

	it('cancels an update in progress and plays the rollback to UPDATE_ROLLBACK_COMPLETE', async () => {
		const cloudformation = await start({stacks: [rackStackSeed({scenario: 'slow'})], slowTicks: 4});
		const {Id} = await createChangeSet(cloudformation, 'cancelled');
		await cloudformation.send(new ExecuteChangeSetCommand({ChangeSetName: Id}));
		await new Promise(resolve => setTimeout(resolve, 60));
		await cloudformation.send(new CancelUpdateStackCommand({StackName: 'convox'}));
		const stack = await settled(cloudformation, 'convox');
		expect(stack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
		expect(parameterMap(stack.Parameters).Ami).toBe('');
		const reasons = (await allEvents(cloudformation)).map(event => event.ResourceStatusReason);
		expect(reasons).toContain('Stack update cancelled');
		expect(aws.state.instancesOf('convox').every(instance => instance.imageId === 'ami-6bb2d67c')).toBe(true);
		await expect(cloudformation.send(new CancelUpdateStackCommand({StackName: 'convox'}))).rejects.toMatchObject({
			name: 'ValidationError',
			message: expect.stringContaining('CancelUpdateStack cannot be called from current stack status'),
		});
	});

	it('starts a stack mid-update for the in-progress scenario, which completes after a few ticks', async () => {
		const cloudformation = await start({stacks: [rackStackSeed({scenario: 'in-progress'})], tickMs: 20});
		const {Stacks} = await cloudformation.send(new DescribeStacksCommand({StackName: 'convox'}));
		expect(Stacks![0]!.StackStatus).toBe('UPDATE_IN_PROGRESS');
		expect((await settled(cloudformation, 'convox')).StackStatus).toBe('UPDATE_COMPLETE');
		expect(aws.state.stack('convox').scenarios).toEqual(['clean']);
	});

	it('runs the next scenario in the queue for each update', async () => {
		const cloudformation = await start({stacks: [rackStackSeed({scenario: ['rollback', 'clean']})]});
		const first = await createChangeSet(cloudformation, 'first');
		await cloudformation.send(new ExecuteChangeSetCommand({ChangeSetName: first.Id}));
		expect((await settled(cloudformation, 'convox')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
		const second = await createChangeSet(cloudformation, 'second');
		await cloudformation.send(new ExecuteChangeSetCommand({ChangeSetName: second.Id}));
		expect((await settled(cloudformation, 'convox')).StackStatus).toBe('UPDATE_COMPLETE');
	});

	it("satisfies the SDK's change set waiter, which fails on a change set without changes", async () => {
		const cloudformation = await start();
		await createChangeSet(cloudformation, 'ready');
		const ready = await waitUntilChangeSetCreateComplete(
			{client: cloudformation, maxWaitTime: 5, minDelay: 1, maxDelay: 1},
			{StackName: 'convox', ChangeSetName: 'ready'},
		);
		expect(ready.state).toBe('SUCCESS');
		await createChangeSet(cloudformation, 'empty', {Ami: '', Version: '20160820033210'});
		await expect(
			waitUntilChangeSetCreateComplete(
				{client: cloudformation, maxWaitTime: 5, minDelay: 1, maxDelay: 1},
				{StackName: 'convox', ChangeSetName: 'empty'},
			),
		).rejects.toThrow(/FAILURE/);
	});

	it('summarizes a template fetched from its URL', async () => {
		const cloudformation = await start();
		const summary = await cloudformation.send(new GetTemplateSummaryCommand({TemplateURL: `${releases.url}/${newVersion}/formation.json`}));
		expect(summary.Capabilities).toEqual(['CAPABILITY_IAM']);
		expect(summary.Parameters).toContainEqual(expect.objectContaining({ParameterKey: 'Password', NoEcho: true}));
		expect(summary.Parameters).toContainEqual(expect.objectContaining({ParameterKey: 'Version', DefaultValue: newVersion}));
		await expect(
			cloudformation.send(new GetTemplateSummaryCommand({TemplateURL: `${releases.url}/19990101000000/formation.json`})),
		).rejects.toMatchObject({name: 'ValidationError'});
	});

	it('resolves a TemplateURL without HTTP through resolveTemplate (a URL journaled by an earlier process)', async () => {
		const cloudformation = await start({resolveTemplate: bundledTemplateFor});
		await releases.close();
		const summary = await cloudformation.send(
			new GetTemplateSummaryCommand({TemplateURL: `${releases.url}/20160912193121/formation.json`}),
		);
		expect(summary.Parameters).toContainEqual(expect.objectContaining({ParameterKey: 'Version', DefaultValue: '20160912193121'}));
		await expect(
			cloudformation.send(new GetTemplateSummaryCommand({TemplateURL: `${releases.url}/19990101000000/formation.json`})),
		).rejects.toMatchObject({name: 'ValidationError', message: expect.stringContaining('TemplateURL could not be read')});
	});
});
