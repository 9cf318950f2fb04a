import {DescribeStackResourceCommand} from '@aws-sdk/client-cloudformation';
import {
	GetInstanceProfileCommand,
	GetRoleCommand,
	SimulatePrincipalPolicyCommand,
	type PolicyEvaluationDecisionType,
} from '@aws-sdk/client-iam';
import {listRackInstances} from './probes/instances';
import type {AwsClients} from '../core/ports';
import {errorName} from '../core/errors';

export type InstanceRoleCheck =
	| {status: 'allowed'; role: string}
	| {status: 'denied'; role: string; statement: string; detail: string}
	| {status: 'unknown'; role?: string; statement: string; detail: string};

const METRICS_ACTION = 'cloudwatch:PutMetricData';

/** The policy statement the instance role needs for the CloudWatch agent to publish the instances' metrics. */
const METRICS_STATEMENT = `{"Effect": "Allow", "Action": "${METRICS_ACTION}", "Resource": "*"}`;

/** Where the role is a stack resource: InstancesRole in current Convox templates, IamRole in 2016-era ones. */
const ROLE_LOGICAL_IDS = ['InstancesRole', 'IamRole'];

type IamClients = Pick<AwsClients, 'ec2' | 'iam' | 'cloudformation'>;

interface InstanceRole {
	name: string;
	arn: string;
}

/** Why the role could not be checked; anything else (expired credentials, the network) is thrown on to the caller. */
class Unverifiable extends Error {}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

const isNoSuchEntity = (error: unknown) => errorName(error) === 'NoSuchEntityException';

/** An SDK call whose refusal means the operator's credentials lack `permission`. */
async function calling<T>(permission: string, call: () => Promise<T>): Promise<T> {
	try {
		return await call();
	} catch (error) {
		if (ACCESS_DENIED.has(errorName(error))) {
			throw new Unverifiable(`the operator's credentials may not call ${permission}`);
		}

		throw error;
	}
}

async function roleOfInstanceProfile(aws: IamClients, profileArn: string, signal?: AbortSignal): Promise<InstanceRole> {
	const profileName = profileArn.split('/').at(-1)!;
	try {
		const {InstanceProfile} = await calling('iam:GetInstanceProfile', async () =>
			aws.iam.send(new GetInstanceProfileCommand({InstanceProfileName: profileName}), {abortSignal: signal}),
		);
		const role = InstanceProfile?.Roles?.[0];
		if (!role?.RoleName || !role.Arn) throw new Unverifiable(`the instance profile ${profileName} of its instances has no role`);
		return {name: role.RoleName, arn: role.Arn};
	} catch (error) {
		if (isNoSuchEntity(error)) throw new Unverifiable(`the instance profile ${profileName} of its instances does not exist`);
		throw error;
	}
}

/** The physical id of the stack's resource `logicalId`, when the stack has one. */
async function stackResource(aws: IamClients, stackName: string, logicalId: string, signal?: AbortSignal): Promise<string | undefined> {
	try {
		const {StackResourceDetail} = await calling('cloudformation:DescribeStackResource', async () =>
			aws.cloudformation.send(new DescribeStackResourceCommand({StackName: stackName, LogicalResourceId: logicalId}), {
				abortSignal: signal,
			}),
		);
		return StackResourceDetail?.PhysicalResourceId;
	} catch (error) {
		const {name, message} = error as Error;
		if (name !== 'ValidationError') throw error;
		// ValidationError answers both a missing resource and a missing stack.
		if (/^Stack with id .* does not exist/.test(message)) throw new Unverifiable(message);
		return undefined;
	}
}

async function roleNamed(aws: IamClients, name: string, signal?: AbortSignal): Promise<InstanceRole> {
	try {
		const {Role} = await calling('iam:GetRole', async () => aws.iam.send(new GetRoleCommand({RoleName: name}), {abortSignal: signal}));
		if (Role?.Arn) return {name, arn: Role.Arn};
	} catch (error) {
		if (!isNoSuchEntity(error)) throw error;
	}

	throw new Unverifiable(`the role ${name} does not exist`);
}

async function roleOfStackResource(aws: IamClients, stackName: string, signal?: AbortSignal): Promise<InstanceRole> {
	for (const logicalId of ROLE_LOGICAL_IDS) {
		const name = await stackResource(aws, stackName, logicalId, signal);
		if (name) return roleNamed(aws, name, signal);
	}

	throw new Unverifiable(`no running instance has an instance profile, and the stack has no ${ROLE_LOGICAL_IDS.join(' or ')} resource`);
}

/** The role of the rack's running instances; without any, the one the stack's template made. */
async function findInstanceRole(aws: IamClients, stackName: string, signal?: AbortSignal): Promise<InstanceRole> {
	const instances = await calling('ec2:DescribeInstances', async () => listRackInstances(aws.ec2, stackName, signal));
	const profileArn = instances.find(instance => instance.instanceProfileArn)?.instanceProfileArn;
	return profileArn ? roleOfInstanceProfile(aws, profileArn, signal) : roleOfStackResource(aws, stackName, signal);
}

async function simulateMetrics(aws: IamClients, role: InstanceRole, signal?: AbortSignal): Promise<PolicyEvaluationDecisionType> {
	try {
		const {EvaluationResults} = await calling('iam:SimulatePrincipalPolicy', async () =>
			aws.iam.send(new SimulatePrincipalPolicyCommand({PolicySourceArn: role.arn, ActionNames: [METRICS_ACTION], ResourceArns: ['*']}), {
				abortSignal: signal,
			}),
		);
		const decision = EvaluationResults?.find(result => result.EvalActionName === METRICS_ACTION)?.EvalDecision;
		if (!decision) throw new Unverifiable(`the policy simulation of ${role.name} gave no decision for ${METRICS_ACTION}`);
		return decision;
	} catch (error) {
		if (isNoSuchEntity(error)) throw new Unverifiable(`the role ${role.name} does not exist`);
		throw error;
	}
}

function deniedDetail(role: string, decision: PolicyEvaluationDecisionType): string {
	const consequence = `so the CloudWatch agent cannot publish the instances' metrics`;
	if (decision === 'explicitDeny') {
		return `The instance role ${role} is explicitly denied ${METRICS_ACTION} (a Deny in its policies, its permissions boundary or an organization SCP), ${consequence}; lift that Deny and attach the statement to one of its policies.`;
	}

	return `The instance role ${role} does not allow ${METRICS_ACTION} (${decision}), ${consequence}; attach the statement to one of its policies.`;
}

/**
 * Whether the rack's instance role may call cloudwatch:PutMetricData, by IAM policy simulation.
 * Where the operator may not find or simulate the role, the answer is 'unknown' and names the permission
 * that was refused; either way short of 'allowed' comes the statement to attach to the role.
 */
export async function checkInstanceRoleMetrics(aws: IamClients, stackName: string, signal?: AbortSignal): Promise<InstanceRoleCheck> {
	let role: InstanceRole | undefined;
	try {
		role = await findInstanceRole(aws, stackName, signal);
		const decision = await simulateMetrics(aws, role, signal);
		if (decision === 'allowed') return {status: 'allowed', role: role.name};
		return {status: 'denied', role: role.name, statement: METRICS_STATEMENT, detail: deniedDetail(role.name, decision)};
	} catch (error) {
		if (!(error instanceof Unverifiable)) throw error;
		const subject = role ? `the instance role ${role.name}` : `the instance role of stack ${stackName}`;
		return {
			status: 'unknown',
			...(role ? {role: role.name} : {}),
			statement: METRICS_STATEMENT,
			detail: `Could not check that ${subject} allows ${METRICS_ACTION}: ${error.message}. Make sure one of its policies has the statement, or the CloudWatch agent cannot publish the instances' metrics.`,
		};
	}
}
