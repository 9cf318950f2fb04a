import {
	CreateChangeSetCommand,
	DeleteChangeSetCommand,
	ExecuteChangeSetCommand,
	paginateDescribeChangeSet,
	waitUntilChangeSetCreateComplete,
	type CloudFormationClient,
	type Parameter,
} from '@aws-sdk/client-cloudformation';
import type {ResourceChange} from '../../workflow/types';

export interface ChangeSetRequest {
	stackName: string;
	changeSetName: string;
	templateUrl: string;
	parameters: Parameter[];
	description?: string;
}

export interface ChangeSetDescription {
	name: string;
	status: string;
	executionStatus: string;
	statusReason?: string;
	parameters: Array<{key: string; value: string}>;
	changes: ResourceChange[];
}

export type ChangeSetReadiness = {kind: 'ready'; changeSet: ChangeSetDescription} | {kind: 'empty'; reason: string} | {kind: 'failed'; reason: string};

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

async function describeChangeSet(client: CloudFormationClient, stackName: string, changeSetName: string): Promise<ChangeSetDescription> {
	let first: ChangeSetDescription | undefined;
	const changes: ResourceChange[] = [];
	for await (const page of paginateDescribeChangeSet({client}, {StackName: stackName, ChangeSetName: changeSetName})) {
		first ??= {
			name: page.ChangeSetName ?? changeSetName,
			status: page.Status ?? 'UNKNOWN',
			executionStatus: page.ExecutionStatus ?? 'UNAVAILABLE',
			statusReason: page.StatusReason,
			parameters: (page.Parameters ?? []).map(parameter => ({key: parameter.ParameterKey ?? '', value: parameter.ParameterValue ?? ''})),
			changes,
		};
		for (const change of page.Changes ?? []) {
			const resource = change.ResourceChange;
			if (!resource) continue;
			changes.push({
				logicalId: resource.LogicalResourceId ?? '',
				resourceType: resource.ResourceType ?? '',
				action: resource.Action ?? '',
				replacement: resource.Replacement ?? '',
			});
		}
	}
	if (!first) throw new Error(`Change set ${changeSetName} of ${stackName} could not be described.`);
	return first;
}

/** Waits with the SDK's waiter; a change set that failed because it changes nothing is "empty", not a failure. */
export async function waitForChangeSet(
	client: CloudFormationClient,
	stackName: string,
	changeSetName: string,
	options: WaitOptions = {},
): Promise<ChangeSetReadiness> {
	try {
		await waitUntilChangeSetCreateComplete(
			{client, minDelay: options.minDelay ?? 2, maxDelay: options.maxDelay ?? 10, maxWaitTime: options.maxWaitTime ?? 600, abortSignal: options.abortSignal},
			{StackName: stackName, ChangeSetName: changeSetName},
		);
	} catch (error) {
		if (error instanceof Error && error.name === 'AbortError') throw error;
		if (error instanceof Error && error.name === 'TimeoutError') throw new Error(`Change set ${changeSetName} was not ready after ${options.maxWaitTime ?? 600} s.`, {cause: error});
	}
	const changeSet = await describeChangeSet(client, stackName, changeSetName);
	if (changeSet.status === 'CREATE_COMPLETE') return {kind: 'ready', changeSet};
	const reason = changeSet.statusReason ?? changeSet.status;
	return EMPTY_CHANGE_SET.test(reason) ? {kind: 'empty', reason} : {kind: 'failed', reason};
}

export async function executeChangeSet(client: CloudFormationClient, stackName: string, changeSetName: string): Promise<void> {
	await client.send(new ExecuteChangeSetCommand({StackName: stackName, ChangeSetName: changeSetName}));
}

export async function deleteChangeSet(client: CloudFormationClient, stackName: string, changeSetName: string): Promise<void> {
	await client.send(new DeleteChangeSetCommand({StackName: stackName, ChangeSetName: changeSetName}));
}

/** A change set created earlier: undefined when it no longer exists. */
export async function findChangeSet(client: CloudFormationClient, stackName: string, changeSetName: string): Promise<ChangeSetDescription | undefined> {
	try {
		return await describeChangeSet(client, stackName, changeSetName);
	} catch (error) {
		if (error instanceof Error && /^ChangeSetNotFound/.test(error.name)) return undefined;
		throw error;
	}
}
