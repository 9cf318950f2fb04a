import {getCallerIdentity} from '../services/caller-identity';
import {UsageError} from '../core/errors';
import type {Step} from '../core/step';

export const accountStep: Step<'account'> = {
	id: 'account',
	plan: ({account}) => ({
		summary: `\`aws sts get-caller-identity${account.profile ? ` --profile ${account.profile}` : ''}\` must show account ${account.accountId}; nothing happens otherwise.`,
	}),
	async run(ctx) {
		const {sts} = await ctx.services.aws();
		const identity = await getCallerIdentity(sts, ctx.account.profile ?? ctx.services.environment.AWS_PROFILE, ctx.signal);
		if (identity.accountId !== ctx.account.accountId) {
			throw new UsageError(
				`Wrong AWS account: the credentials${ctx.account.profile ? ` of profile ${ctx.account.profile}` : ''} belong to ${identity.accountId} (${identity.arn}), but the config says ${ctx.accountName} is ${ctx.account.accountId}. Nothing was done.`,
				`Sign in to ${ctx.account.accountId}${ctx.account.profile ? ` (aws sso login --profile ${ctx.account.profile})` : ''} or fix accounts.${ctx.accountName}.accountId.`,
			);
		}
		ctx.notice('info', `Signed in as ${identity.arn} (account ${identity.accountId}, ${ctx.region})`);
		if (ctx.account.production) {
			ctx.notice('info', `${ctx.accountName} is a PRODUCTION account: every write is previewed and needs your confirmation.`);
		}
		return {accountId: identity.accountId, arn: identity.arn, profile: ctx.account.profile ?? null, region: ctx.region};
	},
};
