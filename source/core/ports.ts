import type {AutoScalingClient} from '@aws-sdk/client-auto-scaling';
import type {CloudFormationClient} from '@aws-sdk/client-cloudformation';
import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import type {EC2Client} from '@aws-sdk/client-ec2';
import type {IAMClient} from '@aws-sdk/client-iam';
import type {SSMClient} from '@aws-sdk/client-ssm';
import type {STSClient} from '@aws-sdk/client-sts';
import type {AwsCredentialIdentity} from '@aws-sdk/types';
import type {ReleasesService} from './releases';
import type {StateHandOff} from './state-location';

/** SDK clients for the run's account and region, created on first use. */
export interface AwsClients {
	readonly sts: STSClient;
	readonly cloudformation: CloudFormationClient;
	readonly ec2: EC2Client;
	readonly ssm: SSMClient;
	readonly iam: IAMClient;
	readonly cloudwatch: CloudWatchClient;
	readonly autoScaling: AutoScalingClient;
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
 * Where the world decides what a step does, not the operator: the live world refuses and writes,
 * a rehearsal (loopback stand-ins, any checkout) warns and leaves the operator's files alone.
 * Steps read this instead of asking which world they run in.
 */
export interface WorldPolicy {
	/** How notices name a run whose world keeps local files unwritten, e.g. 'Rehearsal'; undefined where they are written. */
	readonly keepsFilesAs?: string;
	/** Production's git checks (clean tree, committed template, recorded source AMI) stop the run; otherwise they warn. */
	readonly refusesUncommittedProduction: boolean;
	/** The typed confirmation of a production update comes typed in already, so the whole flow goes with Enter and y. */
	readonly prefillsProductionConfirmation: boolean;
}

export const LIVE_POLICY: WorldPolicy = {refusesUncommittedProduction: true, prefillsProductionConfirmation: false};
export const REHEARSAL_POLICY: WorldPolicy = {
	keepsFilesAs: 'Rehearsal',
	refusesUncommittedProduction: false,
	prefillsProductionConfirmation: true,
};

/**
 * The outside world as steps see it. `--rehearse` swaps what stands behind these (local stand-ins
 * on loopback, fake credentials); steps never reach the world any other way.
 */
export interface Services {
	readonly releases: ReleasesService;
	aws(): Promise<AwsClients>;
	readonly binaries: Binaries;
	/** Environment for child processes and probes (rehearsal points it at stand-ins). */
	readonly environment: NodeJS.ProcessEnv;
	readonly policy: WorldPolicy;
	/** With a shared state (S3): where the Packer keeper sends its record and log, so that another machine can adopt the build. */
	readonly sharedState?: StateHandOff;
	/**
	 * A fleet's rack: resolves when a CloudFormation call of the account and region that does not go
	 * through our clients may be made (`convox rack`: the rack's API describes its stack), in turn with
	 * every other call of the shared pace.
	 */
	readonly cloudFormationTurn?: () => Promise<void>;
}
