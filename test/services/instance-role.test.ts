import {CloudFormationClient} from '@aws-sdk/client-cloudformation';
import {DescribeInstancesCommand, EC2Client, EC2ServiceException} from '@aws-sdk/client-ec2';
import {IAMClient} from '@aws-sdk/client-iam';
import {mockClient} from 'aws-sdk-client-mock';
import {afterEach, describe, expect, it} from 'vitest';
import {
	currentRackStackSeed,
	rackStackSeed,
	startAwsStandIn,
	type AwsStandIn,
	type AwsStandInOptions,
} from '../../source/rehearsal/aws-stand-in';
import {createAwsClients} from '../../source/services/aws-clients';
import {checkInstanceRoleMetrics} from '../../source/services/instance-role';

const METRICS_STATEMENT = '{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"}';

const credentials = {accessKeyId: 'AKIAREHEARSAL0000000', secretAccessKey: 'rehearsal-secret'};
let aws: AwsStandIn | undefined;
afterEach(async () => {
	await aws?.close();
	aws = undefined;
});

/** Checks the stack's instance role through the real SDK clients, pointed at a stand-in started with `options`. */
async function check(stackName: string, options: AwsStandInOptions) {
	aws = await startAwsStandIn(options);
	const clients = await createAwsClients({region: 'us-east-1', endpoint: aws.url, credentials});
	return checkInstanceRoleMetrics(clients, stackName);
}

const roleOf = (stackName: string) => aws!.state.data.iamRoles!.find(role => role.stackName === stackName)!;
const iamCalls = () => aws!.calls.filter(call => call.service !== 'sts').map(call => `${call.action} ${call.error ?? 'ok'}`);

describe('checkInstanceRoleMetrics', () => {
	it("is allowed when the simulation of the instances' role allows cloudwatch:PutMetricData", async () => {
		const result = await check('prod', {stacks: [currentRackStackSeed({stackName: 'prod', instances: 2})]});
		expect(result).toEqual({status: 'allowed', role: roleOf('prod').roleName});
		expect(iamCalls()).toEqual(['DescribeInstances ok', 'GetInstanceProfile ok', 'SimulatePrincipalPolicy ok']);
		expect(aws!.calls.at(-1)!.params).toEqual({
			PolicySourceArn: roleOf('prod').arn,
			ActionNames: ['cloudwatch:PutMetricData'],
			ResourceArns: ['*'],
		});
	});

	it('is denied, with the statement to attach, when the role lacks the action', async () => {
		const result = await check('prod', {stacks: [currentRackStackSeed({stackName: 'prod', instanceRole: {allows: ['ecs:*', 'logs:*']}})]});
		const role = roleOf('prod').roleName;
		expect(result).toEqual({
			status: 'denied',
			role,
			statement: '{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"}',
			detail: `The instance role ${role} does not allow cloudwatch:PutMetricData (implicitDeny), so the CloudWatch agent cannot publish the instances' metrics; attach the statement to one of its policies.`,
		});
		expect(JSON.parse(METRICS_STATEMENT)).toEqual({Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*'});
	});

	it('is denied when a Deny refuses the action, saying the Deny must go', async () => {
		const result = await check('prod', {
			stacks: [currentRackStackSeed({stackName: 'prod', instanceRole: {allows: ['*'], denies: ['cloudwatch:*']}})],
		});
		expect(result).toMatchObject({status: 'denied', statement: METRICS_STATEMENT});
		expect(result.status === 'denied' && result.detail).toContain('is explicitly denied cloudwatch:PutMetricData');
	});

	it('is unknown, naming iam:SimulatePrincipalPolicy and the role, when the operator may not simulate', async () => {
		const result = await check('prod', {stacks: [currentRackStackSeed({stackName: 'prod'})], iamDenied: ['iam:SimulatePrincipalPolicy']});
		const role = roleOf('prod').roleName;
		expect(result).toEqual({
			status: 'unknown',
			role,
			statement: METRICS_STATEMENT,
			detail: `Could not check that the instance role ${role} allows cloudwatch:PutMetricData: the operator's credentials may not call iam:SimulatePrincipalPolicy. Make sure one of its policies has the statement, or the CloudWatch agent cannot publish the instances' metrics.`,
		});
		expect(iamCalls().at(-1)).toBe('SimulatePrincipalPolicy AccessDenied');
	});

	it('is unknown, naming iam:GetInstanceProfile, when the operator may not read the instance profile', async () => {
		const result = await check('prod', {stacks: [currentRackStackSeed({stackName: 'prod'})], iamDenied: ['iam:GetInstanceProfile']});
		expect(result).toEqual({
			status: 'unknown',
			statement: METRICS_STATEMENT,
			detail: expect.stringMatching(
				/^Could not check that the instance role of stack prod allows cloudwatch:PutMetricData: the operator's credentials may not call iam:GetInstanceProfile\./,
			),
		});
	});

	it('finds the role through the stack resource when no instance runs: InstancesRole, else IamRole (2016-era templates)', async () => {
		const current = await check('new', {stacks: [currentRackStackSeed({stackName: 'new', instances: 0})]});
		expect(current).toEqual({status: 'allowed', role: roleOf('new').roleName});
		expect(iamCalls()).toEqual(['DescribeInstances ok', 'DescribeStackResource ok', 'GetRole ok', 'SimulatePrincipalPolicy ok']);
		await aws!.close();

		const old = await check('old', {stacks: [rackStackSeed({stackName: 'old', instances: 0, instanceRole: {allows: ['ecs:*']}})]});
		expect(old).toMatchObject({status: 'denied', role: expect.stringMatching(/^old-IamRole-/)});
		expect(iamCalls()).toEqual([
			'DescribeInstances ok',
			'DescribeStackResource ValidationError',
			'DescribeStackResource ok',
			'GetRole ok',
			'SimulatePrincipalPolicy ok',
		]);
	});

	it('is unknown when no role is found: no instances and no role resource, or a role gone', async () => {
		const none = await check('bare', {stacks: [rackStackSeed({stackName: 'bare', instances: 0, instanceRole: false})]});
		expect(none).toEqual({
			status: 'unknown',
			statement: METRICS_STATEMENT,
			detail: expect.stringContaining(
				'of stack bare allows cloudwatch:PutMetricData: no running instance has an instance profile, and the stack has no InstancesRole or IamRole resource.',
			),
		});
		await aws!.close();

		aws = await startAwsStandIn({stacks: [currentRackStackSeed({stackName: 'prod'})]});
		const profile = roleOf('prod').instanceProfile.name;
		aws.state.data.iamRoles = [];
		const clients = await createAwsClients({region: 'us-east-1', endpoint: aws.url, credentials});
		expect(await checkInstanceRoleMetrics(clients, 'prod')).toMatchObject({
			status: 'unknown',
			detail: expect.stringContaining(`the instance profile ${profile} of its instances does not exist`),
		});
		expect(await checkInstanceRoleMetrics(clients, 'gone')).toMatchObject({
			status: 'unknown',
			detail: expect.stringContaining('Stack with id gone does not exist'),
		});
	});

	it('throws what expired credentials answer, for the caller to explain', async () => {
		await expect(check('prod', {stacks: [currentRackStackSeed({stackName: 'prod'})], expiredCredentials: true})).rejects.toMatchObject({
			name: 'ExpiredToken',
		});
	});

	it('is unknown, naming ec2:DescribeInstances, when EC2 refuses the listing', async () => {
		const ec2 = new EC2Client({region: 'us-east-1', credentials});
		mockClient(ec2)
			.on(DescribeInstancesCommand)
			.rejects(
				new EC2ServiceException({
					name: 'UnauthorizedOperation',
					message: 'You are not authorized to perform this operation.',
					$fault: 'client',
					$metadata: {httpStatusCode: 403},
				}),
			);
		const result = await checkInstanceRoleMetrics(
			{
				ec2,
				iam: new IAMClient({region: 'us-east-1', credentials}),
				cloudformation: new CloudFormationClient({region: 'us-east-1', credentials}),
			},
			'prod',
		);
		expect(result).toMatchObject({status: 'unknown', detail: expect.stringContaining('may not call ec2:DescribeInstances')});
	});
});
