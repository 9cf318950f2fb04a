import {paginateDescribeLaunchConfigurations, type AutoScalingClient} from '@aws-sdk/client-auto-scaling';
import {DescribeStacksCommand, type CloudFormationClient} from '@aws-sdk/client-cloudformation';
import {
	DescribeImageAttributeCommand,
	paginateDescribeInstances,
	paginateDescribeLaunchTemplateVersions,
	type EC2Client,
} from '@aws-sdk/client-ec2';
import {errorName, errorText} from '../core/errors';

/** DescribeInstances takes at most 200 values in one filter. */
const FILTER_VALUES_MAX = 200;

export interface LaunchTemplateReference {
	id: string;
	name: string;
	version: number;
	imageId: string;
}

/** The image of the latest and of the default version of every launch template in the client's region. */
export async function launchTemplateImages(ec2: EC2Client): Promise<LaunchTemplateReference[]> {
	const references: LaunchTemplateReference[] = [];
	for await (const page of paginateDescribeLaunchTemplateVersions({client: ec2}, {Versions: ['$Latest', '$Default']})) {
		for (const version of page.LaunchTemplateVersions ?? []) {
			const imageId = version.LaunchTemplateData?.ImageId;
			// An image given as `resolve:ssm:...` is resolved at launch: not one of ours by id.
			if (!imageId?.startsWith('ami-') || !version.LaunchTemplateId) continue;
			const reference = {
				id: version.LaunchTemplateId,
				name: version.LaunchTemplateName ?? '',
				version: version.VersionNumber ?? 0,
				imageId,
			};
			if (!references.some(known => known.id === reference.id && known.version === reference.version)) references.push(reference);
		}
	}
	return references;
}

export interface LaunchConfigurationReference {
	name: string;
	imageId: string;
}

/** What DescribeLaunchConfigurations told, or why it was refused (then no use by a launch configuration can be ruled out). */
export type LaunchConfigurationsRead = {references: LaunchConfigurationReference[]} | {refused: string};

/** The image of every launch configuration in the client's region (the Auto Scaling groups of older racks launch from them). */
export async function launchConfigurationImages(autoScaling: AutoScalingClient): Promise<LaunchConfigurationsRead> {
	const references: LaunchConfigurationReference[] = [];
	try {
		for await (const page of paginateDescribeLaunchConfigurations({client: autoScaling}, {})) {
			for (const configuration of page.LaunchConfigurations ?? []) {
				if (configuration.LaunchConfigurationName && configuration.ImageId)
					references.push({name: configuration.LaunchConfigurationName, imageId: configuration.ImageId});
			}
		}
	} catch (error) {
		if (!errorName(error).startsWith('AccessDenied')) throw error;
		return {refused: `${errorName(error)}: ${errorText(error)}`};
	}
	return {references};
}

export interface InstanceReference {
	instanceId: string;
	imageId: string;
	state: string;
}

/** Instances not terminated that run one of the images. */
export async function instancesOfImages(ec2: EC2Client, imageIds: string[]): Promise<InstanceReference[]> {
	const references: InstanceReference[] = [];
	for (let start = 0; start < imageIds.length; start += FILTER_VALUES_MAX) {
		const filters = [
			{Name: 'image-id', Values: imageIds.slice(start, start + FILTER_VALUES_MAX)},
			{Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped']},
		];
		for await (const page of paginateDescribeInstances({client: ec2}, {Filters: filters})) {
			for (const instance of (page.Reservations ?? []).flatMap(reservation => reservation.Instances ?? [])) {
				if (!instance.InstanceId || !instance.ImageId) continue;
				references.push({instanceId: instance.InstanceId, imageId: instance.ImageId, state: instance.State?.Name ?? 'unknown'});
			}
		}
	}
	return references;
}

/** When an instance was last launched from the image (EC2 updates it about once a day); undefined when never. */
export async function lastLaunchedAt(ec2: EC2Client, imageId: string): Promise<string | undefined> {
	const response = await ec2.send(new DescribeImageAttributeCommand({ImageId: imageId, Attribute: 'lastLaunchedTime'}));
	return response.LastLaunchedTime?.Value || undefined;
}

export interface StackAmi {
	stackName: string;
	/** The stack's `Ami` parameter ('' for the stock image); undefined when the stack does not exist. */
	amiId: string | undefined;
}

export async function stackAmis(cloudformation: CloudFormationClient, stackNames: string[]): Promise<StackAmi[]> {
	return Promise.all(
		stackNames.map(async stackName => {
			try {
				const {Stacks} = await cloudformation.send(new DescribeStacksCommand({StackName: stackName}));
				const amiId = Stacks?.[0]?.Parameters?.find(parameter => parameter.ParameterKey === 'Ami')?.ParameterValue ?? '';
				return {stackName, amiId};
			} catch (error) {
				if (errorName(error) === 'ValidationError' && /does not exist/.test(errorText(error))) return {stackName, amiId: undefined};
				throw error;
			}
		}),
	);
}
