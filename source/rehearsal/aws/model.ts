/** Plain, JSON-serialisable state of the AWS stand-in (persisted as is to `stateFile`). */

/** `stale-instances`: the update completes, but the instances are not replaced and keep running the old AMI. */
export const scenarios = ['clean', 'rollback', 'in-progress', 'slow', 'rollback-failed', 'stale-instances'] as const;
export type Scenario = (typeof scenarios)[number];

export interface Parameter {
	key: string;
	value: string;
}

/** A parameter as a stand-in template declares it (GetTemplateSummary). */
export interface DeclaredParameter {
	key: string;
	type: string;
	defaultValue?: string;
	noEcho: boolean;
	description?: string;
	allowedValues?: string[];
}

export interface StackEventRecord {
	seq: number;
	eventId: string;
	logicalId: string;
	physicalId: string;
	resourceType: string;
	status: string;
	reason?: string;
	timestamp: string;
}

export interface ResourceChangeRecord {
	action: 'Add' | 'Modify' | 'Remove';
	logicalId: string;
	physicalId?: string;
	resourceType: string;
	replacement: 'True' | 'False' | 'Conditional';
	scope: string[];
}

export interface ChangeSetRecord {
	id: string;
	name: string;
	description?: string;
	createdAt: number;
	templateUrl?: string;
	parameters: Parameter[];
	templateParameters: DeclaredParameter[];
	capabilities: string[];
	changes: ResourceChangeRecord[];
	/** Until executed, the status is derived from `createdAt` (CREATE_PENDING → CREATE_COMPLETE). */
	executionStatus?: 'EXECUTE_IN_PROGRESS' | 'EXECUTE_COMPLETE' | 'EXECUTE_FAILED';
}

export interface EventSpec {
	logicalId: string;
	resourceType: string;
	status: string;
	reason?: string;
	physicalId?: string;
}

/** One tick of a simulated update. */
export interface UpdateStep {
	events: EventSpec[];
	stackStatus?: string;
	stackStatusReason?: string;
	parameters?: 'target' | 'previous';
	launch?: Array<{instanceId: string; imageId: string}>;
	running?: string[];
	terminate?: string[];
	/** After this step the rest of the plan is replaced by a rollback (failing when 'rollback-failed'). */
	then?: 'rollback' | 'rollback-failed';
}

/** What an update replaces on a stand-in stack: its parameters, template and capabilities. */
export interface StackConfiguration {
	parameters: Parameter[];
	templateParameters: DeclaredParameter[];
	templateUrl?: string;
	capabilities: string[];
}

export interface ActiveUpdate {
	scenario: Scenario;
	steps: UpdateStep[];
	position: number;
	idleTicks: number;
	changeSetId?: string;
	previous: StackConfiguration;
	target: StackConfiguration;
	changes: ResourceChangeRecord[];
	touched: string[];
	completed: string[];
	launched: string[];
	terminated: string[];
	failed: string[];
}

export interface StackRecord {
	stackId: string;
	stackName: string;
	description?: string;
	status: string;
	statusReason?: string;
	creationTime: string;
	lastUpdatedTime?: string;
	parameters: Parameter[];
	templateParameters: DeclaredParameter[];
	templateUrl?: string;
	capabilities: string[];
	outputs: Array<{key: string; value: string; description?: string}>;
	tags: Array<{key: string; value: string}>;
	disableRollback: boolean;
	/** The next update plays out `scenarios[0]`; the last one stays for every later update. */
	scenarios: Scenario[];
	events: StackEventRecord[];
	changeSets: ChangeSetRecord[];
	update?: ActiveUpdate;
	/** What instances run while the Ami parameter is empty (a current rack: the image its SSM parameter resolved to). */
	stockImageId?: string;
}

export interface ImageRecord {
	imageId: string;
	name: string;
	ownerId: string;
	ownerAlias?: string;
	state: 'pending' | 'available' | 'failed' | 'disabled';
	creationDate: string;
	description?: string;
	architecture: string;
	tags: Record<string, string>;
	public: boolean;
	launchPermissions: string[];
	/** Region the image lives in; an image seeded without one answers in every region. */
	region?: string;
	encrypted?: boolean;
	/** A CopyImage result: where it came from, its idempotency token, and when its copy completes (epoch ms). */
	copiedFrom?: {region: string; imageId: string};
	clientToken?: string;
	completesAt?: number;
	stateReason?: {code: string; message: string};
	/** What DescribeImageAttribute lastLaunchedTime answers (ISO time); absent: never launched. */
	lastLaunchedTime?: string;
	/** EnableImageDeprecation's time (ISO, to the minute). */
	deprecationTime?: string;
	/** DeregisterImage is refused while set. */
	deregistrationProtection?: boolean;
	/** Tags of the image's EBS snapshot (CreateTags on its `snap-` id). */
	snapshotTags?: Record<string, string>;
	/** The instance CreateImage made it from. */
	instanceId?: string;
}

/** A Recycle Bin retention rule for EC2 images of one account and region. */
export interface RecycleBinRuleRecord {
	accountId: string;
	region: string;
	identifier: string;
	description?: string;
	retentionDays: number;
	/** `Key=Value` tags an image must carry; none: every image. */
	resourceTags?: string[];
}

/** A call EC2 refuses for one image (e.g. AccessDenied, InvalidAMIID.Unavailable), as a policy or a race would. */
export interface ImageRefusal {
	action: string;
	imageId: string;
	code: string;
}

export interface InstanceRecord {
	instanceId: string;
	imageId: string;
	state: 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';
	/** The rack stack it belongs to; empty for one launched with RunInstances (a Packer build's). */
	stackName: string;
	instanceType: string;
	launchTime: string;
	privateIpAddress: string;
	/** The instance profile it runs with (its stack's); absent in state files of earlier versions. */
	instanceProfileArn?: string;
	/** Its own tags (RunInstances' TagSpecification); a stack's instances carry the stack's tags instead. */
	tags?: Record<string, string>;
	/** Key pair and security groups it was launched with (RunInstances). */
	keyName?: string;
	securityGroupIds?: string[];
	/** An instance launched with RunInstances answers on the loopback address (where a test's SSH stand-in listens). */
	publicIpAddress?: string;
}

/** A key pair made with CreateKeyPair in an account and region (a Packer build makes `packer_<uuid>`). */
export interface KeyPairRecord {
	keyPairId: string;
	keyName: string;
	accountId: string;
	region: string;
	tags: Record<string, string>;
	/** The public half (OpenSSH format) of the key CreateKeyPair handed out; absent for seeded pairs. */
	publicKey?: string;
}

/** A security group made with CreateSecurityGroup in an account and region. */
export interface SecurityGroupRecord {
	groupId: string;
	groupName: string;
	description: string;
	accountId: string;
	region: string;
	tags: Record<string, string>;
}

/** A launch template of an account and region: its latest (and default) version names `imageId`. */
export interface LaunchTemplateRecord {
	launchTemplateId: string;
	launchTemplateName: string;
	accountId: string;
	region: string;
	versionNumber: number;
	imageId: string;
	createTime: string;
}

/** A launch configuration of an account and region (older racks' Auto Scaling groups launch from one). */
export interface LaunchConfigurationRecord {
	name: string;
	accountId: string;
	region: string;
	imageId: string;
	instanceType: string;
	createdTime: string;
}

/** An IAM role, as a rack's template makes it, with the instance profile that carries it. */
export interface IamRoleRecord {
	roleName: string;
	roleId: string;
	path: string;
	arn: string;
	createDate: string;
	/** Actions its policies allow and deny (IAM wildcards): what SimulatePrincipalPolicy decides from. */
	allows: string[];
	denies: string[];
	/** The stack resource that made it (DescribeStackResource). */
	stackName: string;
	logicalId: string;
	instanceProfile: {name: string; id: string; arn: string};
}

/** One datapoint received by PutMetricData. */
export interface MetricDatumRecord {
	namespace: string;
	metricName: string;
	dimensions: Record<string, string>;
	/** ISO time. */
	timestamp: string;
	value: number;
}

export interface StandInData {
	schema: 1;
	region: string;
	sequence: number;
	stacks: Record<string, StackRecord>;
	images: ImageRecord[];
	instances: InstanceRecord[];
	/** SSM parameters by name (the public ECS-optimized AMI parameters); absent in state files of earlier versions. */
	ssmParameters?: Record<string, string>;
	/** SSM parameter names whose GetParameter is refused (AccessDeniedException). */
	ssmDenied?: string[];
	/** SSM SecureString parameters by name: GetParameter decrypts them only WithDecryption. */
	ssmSecureStrings?: Record<string, string>;
	/** Secrets Manager secrets by name (their SecretString), and the names whose GetSecretValue answers AccessDeniedException. */
	secrets?: Record<string, string>;
	secretsDenied?: string[];
	/** IAM roles; absent in state files of earlier versions. */
	iamRoles?: IamRoleRecord[];
	/** IAM actions refused to every caller (AccessDenied), e.g. 'iam:SimulatePrincipalPolicy'. */
	iamDenied?: string[];
	/** EC2 actions refused to every caller (UnauthorizedOperation), e.g. 'DeleteSecurityGroup'. */
	ec2Denied?: string[];
	/** Key pairs and security groups; absent in state files of earlier versions. */
	keyPairs?: KeyPairRecord[];
	securityGroups?: SecurityGroupRecord[];
	/** CloudWatch datapoints published with PutMetricData; absent in state files of earlier versions. */
	metrics?: MetricDatumRecord[];
	/** Launch templates; absent in state files of earlier versions. */
	launchTemplates?: LaunchTemplateRecord[];
	/** Launch configurations; absent in state files of earlier versions. */
	launchConfigurations?: LaunchConfigurationRecord[];
	/** Auto Scaling actions refused to every caller (AccessDenied), e.g. 'DescribeLaunchConfigurations'. */
	autoScalingDenied?: string[];
	/** Calls refused for one image; absent in state files of earlier versions. */
	imageRefusals?: ImageRefusal[];
	/** Recycle Bin rules; absent in state files of earlier versions. */
	recycleBinRules?: RecycleBinRuleRecord[];
	/** Snapshots deleted (with their image, or by DeleteSnapshot); absent in state files of earlier versions. */
	deletedSnapshots?: string[];
}

export class AwsError extends Error {
	constructor(
		readonly code: string,
		message: string,
		readonly status = 400,
	) {
		super(message);
	}
}
