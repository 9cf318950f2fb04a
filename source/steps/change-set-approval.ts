import {createHash} from 'node:crypto';
import os from 'node:os';
import {changeSetConsoleUrl, type ChangeSetDescription} from '../services/cloudformation/change-set';
import {getCallerIdentity} from '../services/caller-identity';
import {readEnvironmentReviews} from '../services/github-approvals';
import {UsageError} from '../core/errors';
import type {StepContext} from '../core/step';
import type {ChangeSetApproval, ChangeSetPreview} from '../core/step-outputs';
import type {StackSnapshot} from '../core/stack';

function parametersDigest(stack: StackSnapshot): string {
	const sorted = [...stack.parameters].sort((a, b) => a.key.localeCompare(b.key)).map(({key, value}) => [key, value]);
	return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

/** What the journal keeps of a change set shown for approval: enough to tell later whether the stack moved since. */
export function previewOf(changeSet: ChangeSetDescription, stack: StackSnapshot, region: string): ChangeSetPreview {
	return {
		changeSetName: changeSet.name,
		consoleUrl: changeSetConsoleUrl(region, changeSet),
		previewedAt: new Date().toISOString(),
		stackStatus: stack.status,
		stackLastUpdated: stack.lastUpdatedTime?.toISOString() ?? null,
		parametersDigest: parametersDigest(stack),
	};
}

/** How the stack changed since the preview, in words; undefined when it is as it was. */
export function changeSincePreview(preview: ChangeSetPreview, stack: StackSnapshot): string | undefined {
	const lastUpdated = stack.lastUpdatedTime?.toISOString() ?? null;
	if (lastUpdated !== preview.stackLastUpdated) return `last updated ${lastUpdated ?? 'never'}, was ${preview.stackLastUpdated ?? 'never'}`;
	if (stack.status !== preview.stackStatus) return `now ${stack.status}, was ${preview.stackStatus}`;
	if (parametersDigest(stack) !== preview.parametersDigest) return 'its parameters changed';
	return undefined;
}

/**
 * The approver: the credentials' STS caller (which must still be the account's, as before any write)
 * and the local user; in GitHub Actions the reviewers who approved the job's environment, else who
 * started the workflow (GITHUB_ACTOR), said as such.
 */
export async function approverOf(ctx: StepContext, changeSetName: string): Promise<ChangeSetApproval> {
	const {sts} = await ctx.services.aws();
	const identity = await getCallerIdentity(sts, ctx.account.profile ?? ctx.services.environment.AWS_PROFILE, ctx.signal);
	if (identity.accountId !== ctx.account.accountId) {
		throw new UsageError(
			`The approver's credentials belong to account ${identity.accountId} (${identity.arn}), but ${ctx.accountName} is ${ctx.account.accountId}. Change set ${changeSetName} was not executed.`,
			`Sign in to ${ctx.account.accountId}, then run \`convox-ami resume ${ctx.run.id} --approve\` again.`,
		);
	}
	const {environment} = ctx.services;
	const approval = {
		changeSetName,
		arn: identity.arn,
		user: environment.GITHUB_ACTOR || os.userInfo().username,
		at: new Date().toISOString(),
	};
	const reviews = await readEnvironmentReviews(environment, ctx.signal);
	if (!reviews) return approval;
	const startedBy = environment.GITHUB_ACTOR || 'unknown';
	if ('reviewers' in reviews && reviews.reviewers.length > 0)
		return {...approval, user: reviews.reviewers.map(reviewer => reviewer.login).join(', '), reviewers: reviews.reviewers, startedBy};
	ctx.emit({
		type: 'notice',
		level: 'warn',
		message: `No reviewer of this job's GitHub environment is known (${'unavailable' in reviews ? reviews.unavailable : 'the run has no approved review'}): the approval is journaled as the job started by ${startedBy}.`,
	});
	return {...approval, startedBy};
}
