import {GetCallerIdentityCommand, type STSClient} from '@aws-sdk/client-sts';
import {StepFailedError, UsageError} from '../core/errors';

export interface CallerIdentity {
	accountId: string;
	arn: string;
	userId: string;
}

const EXPIRED = /sso session|sso.*(expired|invalid)|token.*expired|expiredtoken|aws sso login/i;
const NO_CREDENTIALS = /could not load credentials|could not be found|no credentials|unable to load|profile .* not found/i;
const REJECTED = /InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient|AccessDenied|AuthFailure/i;

/** Turns a credential or STS failure into what the operator must do about it; `profile` is the one the SDK used. */
function explainIdentityError(error: unknown, profile: string | undefined): Error {
	const err = error as Error & {name?: string; Code?: string};
	const text = `${err.name ?? ''} ${err.Code ?? ''} ${err.message ?? ''}`;
	const whose = profile
		? `profile ${profile}`
		: "the SDK's default chain (environment keys, web identity, container or instance role; no profile is set)";
	const refresh = profile
		? `\`aws sso login --profile ${profile}\` or new keys`
		: "in CI the OIDC step, e.g. aws-actions/configure-aws-credentials, or set the account's profile in the config";
	if (EXPIRED.test(text)) {
		return new UsageError(`The AWS session for ${whose} has expired.`, `Refresh it (${refresh}), then try again.`);
	}
	if (NO_CREDENTIALS.test(text)) {
		return new UsageError(
			`No AWS credentials for ${whose}: ${err.message}`,
			profile
				? `Check ~/.aws/config for [profile ${profile}], or run \`aws configure --profile ${profile}\`.`
				: `Give the account a profile in the config, or provide credentials (${refresh}).`,
		);
	}
	if (REJECTED.test(text)) {
		return new UsageError(`AWS rejected the credentials of ${whose}: ${err.message}`, `Refresh them (${refresh}), then try again.`);
	}
	return new StepFailedError(
		`Cannot reach AWS STS to check the account: ${err.message}`,
		'Check the network, then run `convox-ami resume`.',
	);
}

export async function getCallerIdentity(sts: STSClient, profile: string | undefined, signal?: AbortSignal): Promise<CallerIdentity> {
	try {
		const identity = await sts.send(new GetCallerIdentityCommand({}), {abortSignal: signal});
		return {accountId: identity.Account ?? '', arn: identity.Arn ?? '', userId: identity.UserId ?? ''};
	} catch (error) {
		if (signal?.aborted) throw error;
		throw explainIdentityError(error, profile);
	}
}
