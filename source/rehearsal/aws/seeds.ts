import currentFormation from '../data/formation-modern.json';
import formation from '../data/formation.json';
import rackStack from '../data/rack-stack.json';
import type {InstanceRoleSeed} from './iam-roles';
import type {Scenario} from './model';
import {stacksFromDescribeStacks, type ImageInput, type StackSeed} from './state';

/** The stock ECS-optimized image that the bundled rack template names for us-east-1. */
export const stockImage: ImageInput = {
	imageId: formation.Mappings.RegionConfig['us-east-1'].Ami,
	name: 'amzn-ami-2016.03.i-amazon-ecs-optimized',
	ownerId: '591542846629',
	ownerAlias: 'amazon',
	description: 'Amazon Linux AMI 2016.03.i x86_64 ECS HVM GP2',
	public: true,
	creationDate: '2016-09-06T22:17:53.000Z',
};

export interface RackStackOptions {
	stackName?: string;
	accountId?: string;
	region?: string;
	/** Parameter values that replace the bundled rack's (e.g. {Version: '20160912193121', Ami: 'ami-...'}). */
	parameters?: Record<string, string>;
	scenario?: Scenario | Scenario[];
	status?: string;
	instances?: number;
	/** The instances' role (default: the template's, allowing the rack's actions); false: none. */
	instanceRole?: InstanceRoleSeed | false;
}

/**
 * A Convox rack stack (from Convox's own test data, on Version 20160820033210 with the stock AMI),
 * whose current template is the bundled rack template: what `--rehearse` and the tests update.
 */
export function rackStackSeed(options: RackStackOptions = {}): StackSeed {
	const [base] = stacksFromDescribeStacks(rackStack);
	const stackName = options.stackName ?? base!.StackName;
	const parameters = (base!.Parameters ?? []).map(parameter => ({
		ParameterKey: parameter.ParameterKey,
		ParameterValue: options.parameters?.[parameter.ParameterKey] ?? parameter.ParameterValue,
	}));
	return {
		...base!,
		StackName: stackName,
		StackId: `arn:aws:cloudformation:${options.region ?? 'us-east-1'}:${options.accountId ?? '111111111111'}:stack/${stackName}/eb743e00-7d8e-11e5-8280-50ba0727c06e`,
		Parameters: parameters,
		template: formation,
		...(options.scenario ? {scenario: options.scenario} : {}),
		...(options.status ? {StackStatus: options.status} : {}),
		...(options.instances === undefined ? {} : {instances: options.instances}),
		// 2016-era templates name the instances' role IamRole.
		instanceRole: options.instanceRole === false ? false : {logicalId: 'IamRole', ...options.instanceRole},
	};
}

const AMI_PARAMETERS = '/aws/service/ecs/optimized-ami';

/** The ECS-optimized images of the current era and the public SSM parameters that name them (ids assembled, shapes real). */
const ecsImages = [
	{
		parameter: `${AMI_PARAMETERS}/amazon-linux-2/recommended/image_id`,
		imageId: 'ami-0c4bd6ac1ce6c0ad2',
		name: 'amzn2-ami-ecs-hvm-2.0.20261118-x86_64-ebs',
		architecture: 'x86_64',
	},
	{
		parameter: `${AMI_PARAMETERS}/amazon-linux-2/arm64/recommended/image_id`,
		imageId: 'ami-0f5d5b3d3a8a7c9e1',
		name: 'amzn2-ami-ecs-hvm-2.0.20261118-arm64-ebs',
		architecture: 'arm64',
	},
	{
		parameter: `${AMI_PARAMETERS}/amazon-linux-2023/recommended/image_id`,
		imageId: 'ami-0e1d2c3b4a5f60718',
		name: 'al2023-ami-ecs-hvm-2023.0.20261120-kernel-6.1-x86_64',
		architecture: 'x86_64',
	},
	{
		parameter: `${AMI_PARAMETERS}/amazon-linux-2023/arm64/recommended/image_id`,
		imageId: 'ami-07f1c9a8d6e5b4a32',
		name: 'al2023-ami-ecs-hvm-2023.0.20261120-kernel-6.1-arm64',
		architecture: 'arm64',
	},
];

export const ecsOptimizedImages: ImageInput[] = ecsImages.map(({imageId, name, architecture}) => ({
	imageId,
	name,
	architecture,
	ownerId: '591542846629',
	ownerAlias: 'amazon',
	description: `Amazon Linux ECS-optimized ${architecture}`,
	public: true,
	creationDate: '2026-11-18T21:04:13.000Z',
}));

/** The SSM parameter table of the stand-in: what GetParameter answers for the ECS-optimized AMI parameters. */
export const ecsAmiParameters: Record<string, string> = Object.fromEntries(ecsImages.map(({parameter, imageId}) => [parameter, imageId]));

/**
 * A current Convox rack (template from 20220728124649 on): on 20251210124504, t3.large instances on
 * the stock Amazon Linux 2 image, a t3.small dedicated builder; its template is the trimmed current one.
 */
export function currentRackStackSeed(options: RackStackOptions = {}): StackSeed {
	const stackName = options.stackName ?? 'convox-current';
	const values: Record<string, string> = {
		Ami: '',
		BuildInstance: 't3.small',
		DefaultAmi: currentFormation.Parameters.DefaultAmi.Default,
		DefaultAmiArm: currentFormation.Parameters.DefaultAmiArm.Default,
		InstanceCount: '3',
		InstanceType: 't3.large',
		Password: '****',
		Version: '20251210124504',
		...options.parameters,
	};
	return {
		StackName: stackName,
		StackId: `arn:aws:cloudformation:${options.region ?? 'us-east-1'}:${options.accountId ?? '111111111111'}:stack/${stackName}/6f0b2c10-5e1a-11f0-9c7e-0affd1b2c3d4`,
		StackStatus: options.status ?? 'UPDATE_COMPLETE',
		Description: 'Convox Rack',
		Parameters: Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ParameterKey, ParameterValue})),
		template: currentFormation,
		instanceImageId: ecsImages[0]!.imageId,
		...(options.scenario ? {scenario: options.scenario} : {}),
		...(options.instances === undefined ? {} : {instances: options.instances}),
		...(options.instanceRole === undefined ? {} : {instanceRole: options.instanceRole}),
	};
}
