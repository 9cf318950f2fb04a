import {
	CreateChangeSetCommand,
	DeleteChangeSetCommand,
	ExecuteChangeSetCommand,
	DescribeChangeSetCommand,
	paginateDescribeChangeSet,
	type CloudFormationClient,
	type DescribeChangeSetCommandOutput,
	type Parameter,
} from '@aws-sdk/client-cloudformation';
import {createWaiter, WaiterState, type WaiterResult} from '@smithy/core/client';
import type {ResourceChange} from '../../core/types';
import {forgetStack} from './stack';

export interface ChangeSetRequest {
	stackName: string;
	changeSetName: string;
	templateUrl: string;
	parameters: Parameter[];
	description?: string;
}

export interface ChangeSetDescription {
	name: string;
	/** The change set's ARN and its stack's (the console links to both). */
	id: string;
	stackId: string;
	status: string;
	executionStatus: string;
	statusReason?: string;
	parameters: Array<{key: string; value: string}>;
	changes: ResourceChange[];
}

export type ChangeSetReadiness =
	{kind: 'ready'; changeSet: ChangeSetDescription} | {kind: 'empty'; reason: string} | {kind: 'failed'; reason: string} | {kind: 'gone'};

export interface WaitOptions {
	/** Seconds between the waiter's polls (the SDK's default of 30 s is slow for a change set). */
	minDelay?: number;
	maxDelay?: number;
	maxWaitTime?: number;
	abortSignal?: AbortSignal;
}

const EMPTY_CHANGE_SET = /didn't contain changes|No updates are to be performed/i;

export function changeSetNameFor(runId: string, now = Date.now()): string {
	const safe = runId.replace(/[^A-Za-z0-9-]/g, '-');
	return `convox-ami-${safe}-${now.toString(36)}`.slice(0, 128);
}

/** The change set's page in the CloudFormation console, where a reviewer sees its changes. */
export function changeSetConsoleUrl(region: string, changeSet: Pick<ChangeSetDescription, 'id' | 'stackId'>): string {
	const query = new URLSearchParams({stackId: changeSet.stackId, changeSetId: changeSet.id});
	return `https://${region}.console.aws.amazon.com/cloudformation/home?region=${region}#/stacks/changesets/changes?${query.toString()}`;
}

export async function createChangeSet(client: CloudFormationClient, request: ChangeSetRequest, abortSignal?: AbortSignal): Promise<string> {
	const {Id} = await client.send(
		new CreateChangeSetCommand({
			StackName: request.stackName,
			ChangeSetName: request.changeSetName,
			ChangeSetType: 'UPDATE',
			TemplateURL: request.templateUrl,
			Parameters: request.parameters,
			Capabilities: ['CAPABILITY_IAM'],
			Description: request.description,
		}),
		{abortSignal},
	);
	return Id ?? request.changeSetName;
}

/** The change set described by its pages (one, unless it changes many resources). */
function descriptionOf(pages: DescribeChangeSetCommandOutput[], changeSetName: string): ChangeSetDescription | undefined {
	const [page] = pages;
	if (!page) return undefined;
	const changes: ResourceChange[] = pages.flatMap(({Changes}) =>
		(Changes ?? []).flatMap(({ResourceChange: resource}) =>
			resource
				? [
						{
							logicalId: resource.LogicalResourceId ?? '',
							resourceType: resource.ResourceType ?? '',
							action: resource.Action ?? '',
							replacement: resource.Replacement ?? '',
						},
					]
				: [],
		),
	);
	return {
		name: page.ChangeSetName ?? changeSetName,
		id: page.ChangeSetId ?? '',
		stackId: page.StackId ?? '',
		status: page.Status ?? 'UNKNOWN',
		executionStatus: page.ExecutionStatus ?? 'UNAVAILABLE',
		statusReason: page.StatusReason,
		parameters: (page.Parameters ?? []).map(parameter => ({key: parameter.ParameterKey ?? '', value: parameter.ParameterValue ?? ''})),
		changes,
	};
}

async function describeChangeSet(client: CloudFormationClient, stackName: string, changeSetName: string): Promise<ChangeSetDescription> {
	const pages: DescribeChangeSetCommandOutput[] = [];
	for await (const page of paginateDescribeChangeSet({client}, {StackName: stackName, ChangeSetName: changeSetName})) pages.push(page);
	const description = descriptionOf(pages, changeSetName);
	if (!description) throw new Error(`Change set ${changeSetName} of ${stackName} could not be described.`);
	return description;
}

const isNotFound = (error: unknown): boolean => error instanceof Error && /^ChangeSetNotFound/.test(error.name);

/**
 * The SDK's own waiter retries on ChangeSetNotFound, so a change set deleted under it (by a person, or by
 * CloudFormation when the stack executed another one) would be waited on until the timeout. This one stops.
 */
async function changeSetSettled(
	client: CloudFormationClient,
	input: {StackName: string; ChangeSetName: string},
	onSettled: (page: DescribeChangeSetCommandOutput) => void,
): Promise<WaiterResult> {
	try {
		const page = await client.send(new DescribeChangeSetCommand(input));
		const {Status} = page;
		if (Status === 'CREATE_COMPLETE' || Status === 'FAILED') onSettled(page);
		if (Status === 'CREATE_COMPLETE') return {state: WaiterState.SUCCESS};
		if (Status === 'FAILED') return {state: WaiterState.FAILURE};
		return {state: WaiterState.RETRY};
	} catch (error) {
		if (isNotFound(error)) return {state: WaiterState.FAILURE, reason: 'gone'};
		if (error instanceof Error && error.name === 'ValidationError') return {state: WaiterState.FAILURE, reason: error};
		return {state: WaiterState.RETRY, reason: error};
	}
}

/** A change set that failed because it changes nothing is "empty", not a failure. */
export async function waitForChangeSet(
	client: CloudFormationClient,
	stackName: string,
	changeSetName: string,
	options: WaitOptions = {},
): Promise<ChangeSetReadiness> {
	const maxWaitTime = options.maxWaitTime ?? 600;
	// The answer that said the change set settled describes it whole when it has one page: no second read.
	let settled: DescribeChangeSetCommandOutput | undefined;
	const result = await createWaiter(
		{client, minDelay: options.minDelay ?? 2, maxDelay: options.maxDelay ?? 10, maxWaitTime, abortSignal: options.abortSignal},
		{StackName: stackName, ChangeSetName: changeSetName},
		(waiting, input) => changeSetSettled(waiting, input, page => (settled = page)),
	);
	if (result.state === WaiterState.FAILURE && result.reason === 'gone') return {kind: 'gone'};
	if (result.state === WaiterState.ABORTED)
		throw Object.assign(new Error('The wait for the change set was aborted.'), {name: 'AbortError'});
	if (result.state === WaiterState.TIMEOUT) throw new Error(`Change set ${changeSetName} was not ready after ${maxWaitTime} s.`);
	if (result.state === WaiterState.FAILURE && result.reason instanceof Error) throw result.reason;
	let changeSet: ChangeSetDescription;
	try {
		changeSet =
			(settled?.NextToken ? undefined : settled && descriptionOf([settled], changeSetName)) ??
			(await describeChangeSet(client, stackName, changeSetName));
	} catch (error) {
		if (isNotFound(error)) return {kind: 'gone'};
		throw error;
	}
	if (changeSet.status === 'CREATE_COMPLETE') return {kind: 'ready', changeSet};
	const reason = changeSet.statusReason ?? changeSet.status;
	return EMPTY_CHANGE_SET.test(reason) ? {kind: 'empty', reason} : {kind: 'failed', reason};
}

export async function executeChangeSet(client: CloudFormationClient, stackName: string, changeSetName: string): Promise<void> {
	forgetStack(client, stackName);
	await client.send(new ExecuteChangeSetCommand({StackName: stackName, ChangeSetName: changeSetName}));
}

export async function deleteChangeSet(client: CloudFormationClient, stackName: string, changeSetName: string): Promise<void> {
	await client.send(new DeleteChangeSetCommand({StackName: stackName, ChangeSetName: changeSetName}));
}

/** A change set created earlier: undefined when it no longer exists. */
export async function findChangeSet(
	client: CloudFormationClient,
	stackName: string,
	changeSetName: string,
): Promise<ChangeSetDescription | undefined> {
	try {
		return await describeChangeSet(client, stackName, changeSetName);
	} catch (error) {
		if (isNotFound(error)) return undefined;
		throw error;
	}
}
