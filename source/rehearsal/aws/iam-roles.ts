import {physicalSuffix} from './ids';
import type {IamRoleRecord} from './model';

/** What a rack's instance role allows unless its seed says otherwise: the ECS agent's, the logs' and the CloudWatch agent's calls. */
const rackInstanceRoleActions = [
	'ecs:*',
	'ecr:GetAuthorizationToken',
	'ecr:BatchGetImage',
	'ecr:GetDownloadUrlForLayer',
	'logs:CreateLogStream',
	'logs:PutLogEvents',
	'cloudwatch:PutMetricData',
];

export interface InstanceRoleSeed {
	/** InstancesRole in current Convox templates (the default), IamRole in 2016-era ones. */
	logicalId?: 'InstancesRole' | 'IamRole';
	/** Replaces `rackInstanceRoleActions`. */
	allows?: string[];
	denies?: string[];
}

const profileLogicalIds = {InstancesRole: 'InstancesProfile', IamRole: 'InstanceProfile'};

/** IAM's unique ids: a type prefix (AROA a role, AIPA an instance profile) and 17 upper-case letters and digits. */
function uniqueId(prefix: string): string {
	return (prefix + physicalSuffix() + physicalSuffix()).slice(0, 21);
}

/** The role and instance profile CloudFormation makes for a rack's instances, named as it names them (path /convox/). */
export function rackInstanceRole(stackName: string, accountId: string, seed: InstanceRoleSeed = {}): IamRoleRecord {
	const logicalId = seed.logicalId ?? 'InstancesRole';
	const roleName = `${stackName}-${logicalId}-${physicalSuffix()}`;
	const profileName = `${stackName}-${profileLogicalIds[logicalId]}-${physicalSuffix()}`;
	return {
		roleName,
		roleId: uniqueId('AROA'),
		path: '/convox/',
		arn: `arn:aws:iam::${accountId}:role/convox/${roleName}`,
		createDate: new Date().toISOString(),
		allows: [...(seed.allows ?? rackInstanceRoleActions)],
		denies: [...(seed.denies ?? [])],
		stackName,
		logicalId,
		instanceProfile: {
			name: profileName,
			id: uniqueId('AIPA'),
			arn: `arn:aws:iam::${accountId}:instance-profile/convox/${profileName}`,
		},
	};
}
