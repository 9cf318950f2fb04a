import type {AwsCredentialIdentity} from '@aws-sdk/types';
import type {AwsClients} from './services';

export interface AwsClientOptions {
	region: string;
	/** The account's profile from the config; it wins over AWS_PROFILE. */
	profile?: string;
	/** Rehearsal: every client talks to this loopback URL with fake credentials; no profile is read. */
	endpoint?: string;
	credentials?: AwsCredentialIdentity;
}

/**
 * SDK clients for one account, credentials from the SDK's own provider chain (SSO and assume-role
 * included). Every client shares one provider, so `credentials()` hands out what STS was called with.
 */
export async function createAwsClients(options: AwsClientOptions): Promise<AwsClients> {
	const [{STSClient}, {CloudFormationClient}, {EC2Client}, {SSMClient}, {fromNodeProviderChain}] = await Promise.all([
		import('@aws-sdk/client-sts'),
		import('@aws-sdk/client-cloudformation'),
		import('@aws-sdk/client-ec2'),
		import('@aws-sdk/client-ssm'),
		import('@aws-sdk/credential-providers'),
	]);
	const fixed = options.credentials;
	const provider = fixed ? async () => fixed : fromNodeProviderChain(options.profile ? {profile: options.profile} : {});
	const common = {
		region: options.region,
		credentials: provider,
		maxAttempts: 6,
		...(options.endpoint ? {endpoint: options.endpoint} : {}),
	};
	return {
		sts: new STSClient(common),
		cloudformation: new CloudFormationClient(common),
		ec2: new EC2Client(common),
		ssm: new SSMClient(common),
		credentials: () => provider(),
	};
}
