import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {DescribeStackResourceCommand} from '@aws-sdk/client-cloudformation';
import {DescribeInstancesCommand} from '@aws-sdk/client-ec2';
import {GetInstanceProfileCommand, GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand} from '@aws-sdk/client-iam';
import {afterEach, describe, expect, it} from 'vitest';
import {currentRackStackSeed, rackStackSeed, startAwsStandIn, type AwsStandIn, type StandInData} from '../../source/rehearsal/aws-stand-in';
import {clientConfig, clients} from './aws-clients';

let aws: AwsStandIn | undefined;
const directories: string[] = [];
afterEach(async () => {
	await aws?.close();
	aws = undefined;
	await Promise.all(directories.splice(0).map(async directory => rm(directory, {recursive: true, force: true})));
});

const failure = async (promise: Promise<unknown>) => promise.then(() => undefined).catch((error: unknown) => error as Error);

async function simulate(iam: IAMClient, roleArn: string, actions: string[]) {
	const {EvaluationResults} = await iam.send(
		new SimulatePrincipalPolicyCommand({PolicySourceArn: roleArn, ActionNames: actions, ResourceArns: ['*']}),
	);
	return EvaluationResults?.map(result => `${result.EvalActionName} ${result.EvalResourceName} ${result.EvalDecision}`);
}

describe('the IAM stand-in (query protocol, 2010-05-08)', () => {
	it("gives a rack's instances its role's instance profile, and IAM answers for both", async () => {
		aws = await startAwsStandIn({stacks: [currentRackStackSeed({stackName: 'prod', instances: 2})]});
		const {ec2} = clients(aws.url);
		const iam = new IAMClient(clientConfig(aws.url));
		const {Reservations} = await ec2.send(
			new DescribeInstancesCommand({Filters: [{Name: 'tag:aws:cloudformation:stack-name', Values: ['prod']}]}),
		);
		const profiles = Reservations!.flatMap(reservation => reservation.Instances!).map(instance => instance.IamInstanceProfile?.Arn);
		expect(profiles).toHaveLength(2);
		expect(profiles[0]).toMatch(/^arn:aws:iam::111111111111:instance-profile\/convox\/prod-InstancesProfile-[A-Z\d]+$/);
		expect(profiles[1]).toBe(profiles[0]);

		const {InstanceProfile} = await iam.send(new GetInstanceProfileCommand({InstanceProfileName: profiles[0]!.split('/').at(-1)}));
		const role = InstanceProfile!.Roles![0]!;
		expect(role).toMatchObject({Path: '/convox/', RoleName: expect.stringMatching(/^prod-InstancesRole-[A-Z\d]+$/)});
		expect(role.Arn).toBe(`arn:aws:iam::111111111111:role/convox/${role.RoleName}`);
		expect(role.CreateDate).toBeInstanceOf(Date);
		expect(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)).Statement[0].Principal.Service).toEqual(['ec2.amazonaws.com']);
		expect((await iam.send(new GetRoleCommand({RoleName: role.RoleName}))).Role).toMatchObject({Arn: role.Arn, RoleId: role.RoleId});
		expect(await simulate(iam, role.Arn!, ['cloudwatch:PutMetricData', 'ecs:RegisterContainerInstance', 's3:GetObject'])).toEqual([
			'cloudwatch:PutMetricData * allowed',
			'ecs:RegisterContainerInstance * allowed',
			's3:GetObject * implicitDeny',
		]);
		expect(aws.calls.filter(call => call.service === 'iam').map(call => call.action)).toEqual([
			'GetInstanceProfile',
			'GetRole',
			'SimulatePrincipalPolicy',
		]);
	});

	it('decides from the actions a seed gives the role: implicitDeny when none allows, explicitDeny over an allow', async () => {
		aws = await startAwsStandIn({
			stacks: [
				currentRackStackSeed({stackName: 'lacking', instanceRole: {allows: ['ecs:*', 'logs:*']}}),
				currentRackStackSeed({stackName: 'refused', instanceRole: {allows: ['*'], denies: ['CloudWatch:Put*']}}),
			],
		});
		const iam = new IAMClient(clientConfig(aws.url));
		const [lacking, refused] = aws.state.data.iamRoles!;
		expect(await simulate(iam, lacking!.arn, ['cloudwatch:PutMetricData', 'logs:PutLogEvents'])).toEqual([
			'cloudwatch:PutMetricData * implicitDeny',
			'logs:PutLogEvents * allowed',
		]);
		expect(await simulate(iam, refused!.arn, ['cloudwatch:PutMetricData', 'ec2:DescribeInstances'])).toEqual([
			'cloudwatch:PutMetricData * explicitDeny',
			'ec2:DescribeInstances * allowed',
		]);
	});

	it('refuses the actions seeded as denied with AccessDenied, and answers NoSuchEntity (the SDK: NoSuchEntityException) for unknown names', async () => {
		aws = await startAwsStandIn({stacks: [rackStackSeed()], iamDenied: ['iam:SimulatePrincipalPolicy']});
		const iam = new IAMClient(clientConfig(aws.url));
		const role = aws.state.data.iamRoles![0]!;
		const denied = await failure(simulate(iam, role.arn, ['cloudwatch:PutMetricData']));
		expect(denied).toMatchObject({
			name: 'AccessDenied',
			message: `User: arn:aws:iam::111111111111:user/rehearsal is not authorized to perform: iam:SimulatePrincipalPolicy on resource: ${role.arn} because no identity-based policy allows the iam:SimulatePrincipalPolicy action`,
			$metadata: {httpStatusCode: 403},
		});
		expect(await failure(iam.send(new GetRoleCommand({RoleName: 'nobody'})))).toMatchObject({
			name: 'NoSuchEntityException',
			message: 'The role with name nobody cannot be found.',
		});
		expect(await failure(iam.send(new GetInstanceProfileCommand({InstanceProfileName: 'nothing'})))).toMatchObject({
			name: 'NoSuchEntityException',
			message: 'Instance Profile nothing cannot be found.',
		});
	});

	it('answers DescribeStackResource for the role under the logical id of its template era', async () => {
		aws = await startAwsStandIn({
			stacks: [
				rackStackSeed({stackName: 'old'}),
				currentRackStackSeed({stackName: 'new'}),
				rackStackSeed({stackName: 'bare', instanceRole: false}),
			],
		});
		const {cloudformation} = clients(aws.url);
		const describe = async (StackName: string, LogicalResourceId: string) =>
			(await cloudformation.send(new DescribeStackResourceCommand({StackName, LogicalResourceId}))).StackResourceDetail;
		expect(await describe('old', 'IamRole')).toMatchObject({
			PhysicalResourceId: expect.stringMatching(/^old-IamRole-[A-Z\d]+$/),
			ResourceType: 'AWS::IAM::Role',
			ResourceStatus: 'CREATE_COMPLETE',
		});
		expect(await describe('new', 'InstancesRole')).toMatchObject({PhysicalResourceId: expect.stringMatching(/^new-InstancesRole-/)});
		expect(await failure(describe('new', 'IamRole'))).toMatchObject({
			name: 'ValidationError',
			message: 'Resource IamRole does not exist for stack new',
		});
		expect(await failure(describe('bare', 'IamRole'))).toMatchObject({name: 'ValidationError'});
		expect(aws.state.instancesOf('bare').every(instance => instance.instanceProfileArn === undefined)).toBe(true);
	});

	it('keeps roles in its state file, and loads one written before it knew IAM', async () => {
		const directory = await mkdtemp(join(tmpdir(), 'aws-stand-in-iam-'));
		directories.push(directory);
		const stateFile = join(directory, 'state.json');
		aws = await startAwsStandIn({stateFile, stacks: [currentRackStackSeed({stackName: 'prod'})]});
		const role = aws.state.data.iamRoles![0]!;
		await aws.close();
		aws = await startAwsStandIn({stateFile});
		expect(aws.state.data.iamRoles).toEqual([role]);
		await aws.close();

		const saved = JSON.parse(await readFile(stateFile, 'utf8')) as StandInData;
		delete saved.iamRoles;
		for (const instance of saved.instances) delete instance.instanceProfileArn;
		await writeFile(stateFile, JSON.stringify(saved));
		aws = await startAwsStandIn({stateFile});
		const {cloudformation} = clients(aws.url);
		const missing = await failure(
			cloudformation.send(new DescribeStackResourceCommand({StackName: 'prod', LogicalResourceId: 'InstancesRole'})),
		);
		expect(missing).toMatchObject({name: 'ValidationError', message: 'Resource InstancesRole does not exist for stack prod'});
	});
});
