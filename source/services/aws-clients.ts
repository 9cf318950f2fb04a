import type {AwsCredentialIdentity, AwsCredentialIdentityProvider} from '@aws-sdk/types';
import type {AwsClients} from '../core/ports';

export interface AwsClientOptions {
	region: string;
	/** The account's profile from the config; it wins over AWS_PROFILE. */
	profile?: string;
	/** Rehearsal: every client talks to this loopback URL with fake credentials; no profile is read. */
	endpoint?: string;
	/** Keys, or a provider of them (temporary credentials the SDK renews). */
	credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
	/** Awaited before each request is sent (the journal reaching the shared state first). */
	beforeCall?: () => Promise<void>;
}

interface WithMiddleware {
	middlewareStack: {
		add(
			middleware: (next: (args: object) => Promise<object>) => (args: object) => Promise<object>,
			options: {step: 'initialize'; name: string},
		): void;
	};
}

function awaitingFirst<T>(client: T, beforeCall: (() => Promise<void>) | undefined): T {
	if (beforeCall)
		(client as unknown as WithMiddleware).middlewareStack.add(
			next => async args => {
				await beforeCall();
				return next(args);
			},
			{step: 'initialize', name: 'awaitJournal'},
		);
	return client;
}

/**
 * SDK clients for one account, credentials from the SDK's own provider chain (SSO and assume-role
 * included). Every client shares one provider, so `credentials()` hands out what STS was called with,
 * and `ec2For` reaches the account's other regions without resolving the credentials again.
 * Adaptive retry paces calls when AWS throttles (a fleet polls many stacks and images at once).
 */
export async function createAwsClients(options: AwsClientOptions): Promise<AwsClients> {
	const [
		{STSClient},
		{CloudFormationClient},
		{EC2Client},
		{SSMClient},
		{IAMClient},
		{CloudWatchClient},
		{AutoScalingClient},
		{fromNodeProviderChain},
	] = await Promise.all([
		import('@aws-sdk/client-sts'),
		import('@aws-sdk/client-cloudformation'),
		import('@aws-sdk/client-ec2'),
		import('@aws-sdk/client-ssm'),
		import('@aws-sdk/client-iam'),
		import('@aws-sdk/client-cloudwatch'),
		import('@aws-sdk/client-auto-scaling'),
		import('@aws-sdk/credential-providers'),
	]);
	const given = options.credentials;
	const provider =
		typeof given === 'function'
			? given
			: given
				? async () => given
				: fromNodeProviderChain(options.profile ? {profile: options.profile} : {});
	const common = {
		region: options.region,
		credentials: provider,
		maxAttempts: 6,
		retryMode: 'adaptive',
		...(options.endpoint ? {endpoint: options.endpoint} : {}),
	};
	const ready = <T>(client: T) => awaitingFirst(client, options.beforeCall);
	const ec2 = ready(new EC2Client(common));
	const regional = new Map([[options.region, ec2]]);
	return {
		sts: ready(new STSClient(common)),
		cloudformation: ready(new CloudFormationClient(common)),
		ec2,
		ssm: ready(new SSMClient(common)),
		// IAM is global: the SDK resolves the partition's one endpoint (signing for us-east-1 in aws) from any of its regions.
		iam: ready(new IAMClient(common)),
		cloudwatch: ready(new CloudWatchClient(common)),
		autoScaling: ready(new AutoScalingClient(common)),
		ec2For(region) {
			let client = regional.get(region);
			if (!client) {
				client = ready(new EC2Client({...common, region}));
				regional.set(region, client);
			}
			return client;
		},
		credentials: () => provider(),
	};
}
