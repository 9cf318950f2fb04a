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

/**
 * How long a stack just read (by a watch's round, a step or a check) may stand for the reads that
 * accept one: the verify step right after the watch saw the update settle, and the rack check right
 * after it, read the same stack again within a second or two.
 */
const JUST_READ_MS = 5_000;

/** The last read of each stack, per client (an account and region): until it is older than JUST_READ_MS or forgotten. */
const lastReads = new WeakMap<CloudFormationClient, Map<string, {snapshot: StackSnapshot; at: number}>>();

/** Keeps `snapshot` as the last read of `stackName` through `client`. */
export function rememberStack(client: CloudFormationClient, stackName: string, snapshot: StackSnapshot): void {
	let reads = lastReads.get(client);
	if (!reads) lastReads.set(client, (reads = new Map()));
	reads.set(stackName, {snapshot, at: Date.now()});
}

/**
 * What was read of the stack no longer stands: we wrote to it (an executed change set, a cancelled
 * update), or a reader found it wanting and reads again (a check that retries).
 */
export function forgetStack(client: CloudFormationClient, stackName: string): void {
	lastReads.get(client)?.delete(stackName);
}

function lastRead(client: CloudFormationClient, stackName: string): StackSnapshot | undefined {
	const read = lastReads.get(client)?.get(stackName);
	return read && Date.now() - read.at <= JUST_READ_MS ? read.snapshot : undefined;
}

/**
 * The stack as CloudFormation describes it. With `reuse`, a read of it made less than JUST_READ_MS
 * ago and not forgotten since stands for this one (no call).
 */
export async function describeStack(
	client: CloudFormationClient,
	stackName: string,
	abortSignal?: AbortSignal,
	{reuse = false}: {reuse?: boolean} = {},
): Promise<StackSnapshot> {
	const recent = reuse ? lastRead(client, stackName) : undefined;
	if (recent) return recent;
	try {
		const {Stacks} = await client.send(new DescribeStacksCommand({StackName: stackName}), {abortSignal});
		const stack = Stacks?.[0];
		if (!stack) throw new StackNotFoundError(stackName);
		const snapshot = snapshotOf(stack);
		rememberStack(client, stackName, snapshot);
		return snapshot;
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
