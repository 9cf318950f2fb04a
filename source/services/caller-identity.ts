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
	const profileName = profile ?? 'default';
	if (EXPIRED.test(text)) {
		return new UsageError(
			`The AWS session for profile ${profileName} has expired.`,
			`Run \`aws sso login --profile ${profileName}\`, then try again.`,
		);
	}
	if (NO_CREDENTIALS.test(text)) {
		return new UsageError(
			`No AWS credentials for profile ${profileName}: ${err.message}`,
			`Check ~/.aws/config for [profile ${profileName}], or run \`aws configure --profile ${profileName}\`.`,
		);
	}
	if (REJECTED.test(text)) {
		return new UsageError(
			`AWS rejected the credentials of profile ${profileName}: ${err.message}`,
			`Refresh them (\`aws sso login --profile ${profileName}\` or new keys), then try again.`,
		);
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
