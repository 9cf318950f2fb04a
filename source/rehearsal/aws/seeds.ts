import formation from '../data/formation.json';
import rackStack from '../data/rack-stack.json';
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
	};
}
