import {listParam, stringParam, type QueryParams} from './form';
import {AwsError, type IamRoleRecord} from './model';
import type {StandInState} from './state';
import type {XmlValue} from './xml';

/** The caller's account (from its access key) and, when its identity names one, its ARN. */
export interface IamCaller {
	accountId: string;
	arn?: string;
}

type Handler = (state: StandInState, params: QueryParams, caller: IamCaller) => XmlValue;

const ec2TrustPolicy = {
	Version: '2012-10-17',
	Statement: [{Effect: 'Allow', Principal: {Service: ['ec2.amazonaws.com']}, Action: ['sts:AssumeRole']}],
};

function required(params: QueryParams, name: string): string {
	const value = stringParam(params[name]);
	if (!value) {
		throw new AwsError('ValidationError', `The request must contain the parameter ${name}.`);
	}

	return value;
}

/** Refuses the call as IAM does when the caller's policies lack `iam:<action>` (seeded in `iamDenied`). */
function authorize(state: StandInState, caller: IamCaller, action: string, resource: string): void {
	const permission = `iam:${action}`;
	if (state.data.iamDenied?.includes(permission)) {
		const user = caller.arn ?? `arn:aws:iam::${caller.accountId}:user/rehearsal`;
		throw new AwsError(
			'AccessDenied',
			`User: ${user} is not authorized to perform: ${permission} on resource: ${resource} because no identity-based policy allows the ${permission} action`,
			403,
		);
	}
}

/** IAM is global: a caller sees the roles of its own account, in every region. */
function rolesOf(state: StandInState, caller: IamCaller): IamRoleRecord[] {
	return (state.data.iamRoles ?? []).filter(role => role.arn.split(':')[4] === caller.accountId);
}

function noSuchRole(name: string): AwsError {
	return new AwsError('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);
}

function roleXml(role: IamRoleRecord): XmlValue {
	return {
		Path: role.path,
		RoleName: role.roleName,
		RoleId: role.roleId,
		Arn: role.arn,
		CreateDate: role.createDate,
		AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(ec2TrustPolicy)),
		MaxSessionDuration: 3600,
	};
}

/** IAM action patterns match case-insensitively, with * and ? wildcards. */
function matchesAction(pattern: string, action: string): boolean {
	const escaped = pattern
		.replace(/[.+^${}()|[\]\\]/g, '\\$&')
		.replace(/\*/g, '.*')
		.replace(/\?/g, '.');
	return new RegExp(`^${escaped}$`, 'i').test(action);
}

function decide(role: IamRoleRecord, action: string): 'allowed' | 'explicitDeny' | 'implicitDeny' {
	if (role.denies.some(pattern => matchesAction(pattern, action))) return 'explicitDeny';
	return role.allows.some(pattern => matchesAction(pattern, action)) ? 'allowed' : 'implicitDeny';
}

/** IAM's query protocol (API version 2010-05-08): what a check of a rack's instance role calls. */
export const iamHandlers: Record<string, Handler> = {
	GetInstanceProfile(state, params, caller) {
		const name = required(params, 'InstanceProfileName');
		authorize(state, caller, 'GetInstanceProfile', `arn:aws:iam::${caller.accountId}:instance-profile/${name}`);
		const role = rolesOf(state, caller).find(candidate => candidate.instanceProfile.name === name);
		if (!role) {
			throw new AwsError('NoSuchEntity', `Instance Profile ${name} cannot be found.`, 404);
		}

		return {
			InstanceProfile: {
				Path: role.path,
				InstanceProfileName: role.instanceProfile.name,
				InstanceProfileId: role.instanceProfile.id,
				Arn: role.instanceProfile.arn,
				CreateDate: role.createDate,
				Roles: [roleXml(role)],
			},
		};
	},

	GetRole(state, params, caller) {
		const name = required(params, 'RoleName');
		authorize(state, caller, 'GetRole', `arn:aws:iam::${caller.accountId}:role/${name}`);
		const role = rolesOf(state, caller).find(candidate => candidate.roleName === name);
		if (!role) throw noSuchRole(name);
		return {Role: roleXml(role)};
	},

	/** Decides each action on each resource from the role's allowed and denied actions (resources are not told apart). */
	SimulatePrincipalPolicy(state, params, caller) {
		const source = required(params, 'PolicySourceArn');
		authorize(state, caller, 'SimulatePrincipalPolicy', source);
		const role = rolesOf(state, caller).find(candidate => candidate.arn === source);
		if (!role) throw noSuchRole(source.split('/').at(-1)!);
		const actions = listParam(params.ActionNames).map(String);
		const resources = listParam(params.ResourceArns).map(String);
		return {
			EvaluationResults: actions.flatMap(action =>
				(resources.length > 0 ? resources : ['*']).map(resource => ({
					EvalActionName: action,
					EvalResourceName: resource,
					EvalDecision: decide(role, action),
					MatchedStatements: [],
					MissingContextValues: [],
				})),
			),
			IsTruncated: false,
		};
	},
};
