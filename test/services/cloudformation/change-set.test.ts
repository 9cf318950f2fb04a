import {
	CloudFormationClient,
	CreateChangeSetCommand,
	DescribeChangeSetCommand,
	type DescribeChangeSetCommandOutput,
} from '@aws-sdk/client-cloudformation';
import {mockClient} from 'aws-sdk-client-mock';
import {afterEach, describe, expect, it} from 'vitest';
import {changeSetNameFor, createChangeSet, findChangeSet, waitForChangeSet} from '../../../source/services/cloudformation/change-set';

const cloudformation = mockClient(CloudFormationClient);
const client = new CloudFormationClient({region: 'us-east-1', credentials: {accessKeyId: 'AKIDTEST', secretAccessKey: 'secret'}});
const fast = {minDelay: 0.01, maxDelay: 0.02, maxWaitTime: 5};
/** The change of a new AMI: the instances' group modified in place. */
const MODIFY_INSTANCES = {
	Type: 'Resource',
	ResourceChange: {
		Action: 'Modify',
		LogicalResourceId: 'Instances',
		ResourceType: 'AWS::AutoScaling::AutoScalingGroup',
		Replacement: 'False',
	},
} as const;

afterEach(() => cloudformation.reset());

describe('change sets', () => {
	it('names the change set after the run, in the characters CloudFormation accepts', () => {
		expect(changeSetNameFor('2026-11-25T01:00:00Z_ab12', 0)).toBe('convox-ami-2026-11-25T01-00-00Z-ab12-0');
	});

	it('creates an UPDATE change set from the template URL with CAPABILITY_IAM', async () => {
		cloudformation.on(CreateChangeSetCommand).resolves({Id: 'arn:cs'});
		await createChangeSet(client, {
			stackName: 'convox',
			changeSetName: 'cs',
			templateUrl: 'https://example.com/formation.json',
			parameters: [{ParameterKey: 'Ami', ParameterValue: 'ami-1'}],
		});
		expect(cloudformation.commandCalls(CreateChangeSetCommand)[0]!.args[0].input).toMatchObject({
			StackName: 'convox',
			ChangeSetName: 'cs',
			ChangeSetType: 'UPDATE',
			TemplateURL: 'https://example.com/formation.json',
			Capabilities: ['CAPABILITY_IAM'],
		});
	});

	it('waits until the change set is ready and reads its resource changes across pages', async () => {
		const firstPage: Partial<DescribeChangeSetCommandOutput> = {
			ChangeSetName: 'cs',
			Status: 'CREATE_COMPLETE',
			ExecutionStatus: 'AVAILABLE',
			Parameters: [{ParameterKey: 'Ami', ParameterValue: 'ami-1'}],
			Changes: [MODIFY_INSTANCES],
			NextToken: 'page2',
		};
		cloudformation
			.on(DescribeChangeSetCommand)
			.resolvesOnce({Status: 'CREATE_PENDING'})
			.resolvesOnce(firstPage)
			.resolvesOnce(firstPage)
			.resolves({
				ChangeSetName: 'cs',
				Status: 'CREATE_COMPLETE',
				Changes: [
					{
						Type: 'Resource',
						ResourceChange: {
							Action: 'Modify',
							LogicalResourceId: 'LaunchConfiguration',
							ResourceType: 'AWS::AutoScaling::LaunchConfiguration',
							Replacement: 'True',
						},
					},
				],
			});
		const result = await waitForChangeSet(client, 'convox', 'cs', fast);
		expect(result.kind).toBe('ready');
		if (result.kind !== 'ready') return;
		expect(result.changeSet.parameters).toEqual([{key: 'Ami', value: 'ami-1'}]);
		expect(result.changeSet.changes).toEqual([
			{logicalId: 'Instances', resourceType: 'AWS::AutoScaling::AutoScalingGroup', action: 'Modify', replacement: 'False'},
			{logicalId: 'LaunchConfiguration', resourceType: 'AWS::AutoScaling::LaunchConfiguration', action: 'Modify', replacement: 'True'},
		]);
	});

	it('takes a change set of one page from the answer that said it was ready: no second read', async () => {
		cloudformation
			.on(DescribeChangeSetCommand)
			.resolvesOnce({Status: 'CREATE_PENDING'})
			.resolves({
				ChangeSetName: 'cs',
				ChangeSetId: 'arn:cs',
				Status: 'CREATE_COMPLETE',
				ExecutionStatus: 'AVAILABLE',
				Parameters: [{ParameterKey: 'Ami', ParameterValue: 'ami-1'}],
				Changes: [MODIFY_INSTANCES],
			});
		const result = await waitForChangeSet(client, 'convox', 'cs', fast);
		expect(result).toMatchObject({
			kind: 'ready',
			changeSet: {
				id: 'arn:cs',
				executionStatus: 'AVAILABLE',
				parameters: [{key: 'Ami', value: 'ami-1'}],
				changes: [{logicalId: 'Instances', resourceType: 'AWS::AutoScaling::AutoScalingGroup', action: 'Modify', replacement: 'False'}],
			},
		});
		expect(cloudformation.commandCalls(DescribeChangeSetCommand)).toHaveLength(2);
	});

	it.each([
		"The submitted information didn't contain changes. Submit different information to create a change set.",
		'No updates are to be performed.',
	])('reports a change set that failed with "%s" as empty, not failed', async reason => {
		cloudformation
			.on(DescribeChangeSetCommand)
			.resolves({ChangeSetName: 'cs', Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason: reason});
		expect(await waitForChangeSet(client, 'convox', 'cs', fast)).toEqual({kind: 'empty', reason});
	});

	it('reports any other failure with its reason', async () => {
		cloudformation
			.on(DescribeChangeSetCommand)
			.resolves({ChangeSetName: 'cs', Status: 'FAILED', StatusReason: 'Parameters: [Owner] must have values'});
		expect(await waitForChangeSet(client, 'convox', 'cs', fast)).toEqual({kind: 'failed', reason: 'Parameters: [Owner] must have values'});
	});

	it('stops waiting at once when the change set is deleted under it, instead of retrying until the timeout', async () => {
		const notFound = Object.assign(new Error('ChangeSet [cs] does not exist'), {name: 'ChangeSetNotFoundException'});
		cloudformation.on(DescribeChangeSetCommand).resolvesOnce({Status: 'CREATE_IN_PROGRESS'}).rejects(notFound);
		const started = Date.now();
		expect(await waitForChangeSet(client, 'convox', 'cs', {minDelay: 0.01, maxDelay: 0.02, maxWaitTime: 20})).toEqual({kind: 'gone'});
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(cloudformation.commandCalls(DescribeChangeSetCommand)).toHaveLength(2);
	});

	it('raises a validation error from CloudFormation as it is', async () => {
		cloudformation
			.on(DescribeChangeSetCommand)
			.rejects(Object.assign(new Error('Stack [convox] does not exist'), {name: 'ValidationError'}));
		await expect(waitForChangeSet(client, 'convox', 'cs', fast)).rejects.toThrow('Stack [convox] does not exist');
	});

	it('finds no change set when CloudFormation says it is gone', async () => {
		cloudformation
			.on(DescribeChangeSetCommand)
			.rejects(Object.assign(new Error('ChangeSet [cs] does not exist'), {name: 'ChangeSetNotFoundException'}));
		expect(await findChangeSet(client, 'convox', 'cs')).toBeUndefined();
	});
});
