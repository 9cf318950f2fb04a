import type {CloudFormationClient} from '@aws-sdk/client-cloudformation';
import type {EC2Client} from '@aws-sdk/client-ec2';
import type {SSMClient} from '@aws-sdk/client-ssm';
import type {STSClient} from '@aws-sdk/client-sts';
import type {AwsCredentialIdentity} from '@aws-sdk/types';
import type {ReleasesService} from './releases';

/** SDK clients for the run's account and region, created on first use. */
export interface AwsClients {
	readonly sts: STSClient;
	readonly cloudformation: CloudFormationClient;
	readonly ec2: EC2Client;
	readonly ssm: SSMClient;
	/** EC2 in another region of the same account, signing with the same credentials (cached per region). */
	ec2For(region: string): EC2Client;
	/** The credentials the clients sign with, resolved by the SDK (cached until they near expiry). */
	credentials(): Promise<AwsCredentialIdentity>;
}

export interface Binaries {
	packer: string;
	convox: string;
	git: string;
}

/**
 * The outside world as steps see it. `--rehearse` swaps what stands behind these (local stand-ins
 * on loopback, fake credentials); steps never reach the world any other way.
 */
export interface Services {
	readonly releases: ReleasesService;
	aws(): Promise<AwsClients>;
	readonly binaries: Binaries;
	/** Environment for child processes and probes (rehearsal points it at stand-ins). */
	readonly env: NodeJS.ProcessEnv;
}
