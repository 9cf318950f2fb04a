import type {VerifyTargets} from '../checklist/setup';
import {parameterValue} from '../services/cloudformation/stack';
import type {StackSnapshot} from '../core/stack';

/** What a run put on the stack, as the verify step reads it from the earlier steps' outputs. */
export interface ReleaseOutputs {
	convoxVersion?: string | undefined;
	amiId?: string | undefined;
	amiIds?: Record<string, string> | undefined;
	stackStatus?: string | undefined;
	completedAt?: string | undefined;
}

/**
 * What the rack should look like. After a release: the Convox version resolved and the AMI built
 * by this run, and UPDATE_COMPLETE (CREATE_COMPLETE too when the update found nothing to change on a
 * never-updated stack). Standalone (`convox-ami checklist`) or where a step did not run: the
 * stack's current values, and either settled status.
 */
export function resolveTargets(stack: StackSnapshot, release: ReleaseOutputs, region: string): VerifyTargets {
	const updated = release.stackStatus !== undefined && release.stackStatus !== 'CREATE_COMPLETE';
	const updatedAt = release.completedAt ? new Date(release.completedAt) : undefined;
	return {
		stackName: stack.stackName,
		convoxVersion: release.convoxVersion ?? parameterValue(stack, 'Version') ?? '',
		amiId: release.amiIds?.[region] ?? release.amiId ?? parameterValue(stack, 'Ami') ?? '',
		acceptedStatuses: updated ? ['UPDATE_COMPLETE'] : ['UPDATE_COMPLETE', 'CREATE_COMPLETE'],
		...(updatedAt && !Number.isNaN(updatedAt.getTime()) ? {updatedAt} : {}),
	};
}
