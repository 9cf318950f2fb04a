import {DescribeStacksCommand, GetTemplateSummaryCommand, type CloudFormationClient, type Stack} from '@aws-sdk/client-cloudformation';
import type {StackSnapshot, TemplateParameter} from '../../core/stack';

/** What may be done with a stack in a given status before our update. */
export type StackReadiness = 'updatable' | 'update-in-progress' | 'rollback-failed' | 'busy' | 'broken';

export function readinessOf(status: string): StackReadiness {
	if (status === 'UPDATE_ROLLBACK_FAILED') return 'rollback-failed';
	if (/^UPDATE_.*IN_PROGRESS$/.test(status)) return 'update-in-progress';
	if (status.endsWith('_IN_PROGRESS')) return 'busy';
	if (['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE'].includes(status))
		return 'updatable';
	return 'broken';
}

export function isSettled(status: string): boolean {
	return !status.endsWith('_IN_PROGRESS');
}

export function parameterValue(snapshot: StackSnapshot, key: string): string | undefined {
	return snapshot.parameters.find(parameter => parameter.key === key)?.value;
}

export class StackNotFoundError extends Error {
	constructor(readonly stackName: string) {
		super(`Stack ${stackName} does not exist.`);
		this.name = 'StackNotFoundError';
	}
}

export function snapshotOf(stack: Stack): StackSnapshot {
	return {
		stackId: stack.StackId ?? '',
		stackName: stack.StackName ?? '',
		status: stack.StackStatus ?? 'UNKNOWN',
		statusReason: stack.StackStatusReason,
		parameters: (stack.Parameters ?? []).map(parameter => ({
			key: parameter.ParameterKey ?? '',
			value: parameter.ParameterValue ?? '',
			...(parameter.ResolvedValue === undefined ? {} : {resolvedValue: parameter.ResolvedValue}),
		})),
		lastUpdatedTime: stack.LastUpdatedTime,
	};
}

export async function describeStack(client: CloudFormationClient, stackName: string, abortSignal?: AbortSignal): Promise<StackSnapshot> {
	try {
		const {Stacks} = await client.send(new DescribeStacksCommand({StackName: stackName}), {abortSignal});
		const stack = Stacks?.[0];
		if (!stack) throw new StackNotFoundError(stackName);
		return snapshotOf(stack);
	} catch (error) {
		if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message))
			throw new StackNotFoundError(stackName);
		throw error;
	}
}

export async function templateParametersOf(
	client: CloudFormationClient,
	templateUrl: string,
	abortSignal?: AbortSignal,
): Promise<TemplateParameter[]> {
	const {Parameters} = await client.send(new GetTemplateSummaryCommand({TemplateURL: templateUrl}), {abortSignal});
	return (Parameters ?? []).map(parameter => ({
		name: parameter.ParameterKey ?? '',
		...(parameter.DefaultValue === undefined ? {} : {default: parameter.DefaultValue}),
		noEcho: parameter.NoEcho ?? false,
	}));
}
