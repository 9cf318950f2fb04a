import type {StackEventRecord} from './events';
import {parameterValue} from './stack';
import type {StackSnapshot} from '../../core/stack';

export interface ExpectedRelease {
	amiId: string;
	convoxVersion: string;
}

export type Outcome = {ok: true; status: string} | {ok: false; status: string; message: string};

/**
 * The update's result as CloudFormation itself records it: only UPDATE_COMPLETE with our Ami and
 * Version counts. A rolled-back stack is a failure even though the rack keeps running.
 */
export function judgeOutcome(stack: StackSnapshot, expected: ExpectedRelease, rootCause?: StackEventRecord): Outcome {
	const {status} = stack;
	const cause = rootCause
		? `${rootCause.resource} (${rootCause.resourceType}) ${rootCause.status}: ${rootCause.reason}`
		: (stack.statusReason ?? 'CloudFormation gave no reason');
	if (status.startsWith('UPDATE_ROLLBACK_')) {
		return {
			ok: false,
			status,
			message: `The update of ${stack.stackName} failed and CloudFormation rolled it back (${status}). First failure: ${cause}`,
		};
	}
	if (status !== 'UPDATE_COMPLETE') {
		return {ok: false, status, message: `The stack ${stack.stackName} ended in ${status}, not UPDATE_COMPLETE. ${cause}`};
	}
	const amiId = parameterValue(stack, 'Ami');
	const version = parameterValue(stack, 'Version');
	if (amiId !== expected.amiId || version !== expected.convoxVersion) {
		return {
			ok: false,
			status,
			message: `The stack ${stack.stackName} is UPDATE_COMPLETE but runs Ami ${amiId ?? '(none)'} and Version ${version ?? '(none)'}, not ${expected.amiId} and ${expected.convoxVersion}.`,
		};
	}
	return {ok: true, status};
}

export function hasRelease(stack: StackSnapshot, expected: ExpectedRelease): boolean {
	return parameterValue(stack, 'Ami') === expected.amiId && parameterValue(stack, 'Version') === expected.convoxVersion;
}
