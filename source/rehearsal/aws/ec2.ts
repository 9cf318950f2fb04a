import {buildResourceHandlers} from './ec2-build-resources';
import {imageLifecycleHandlers} from './ec2-image-lifecycle';
import {packerBuildHandlers} from './ec2-packer-builds';
import {filtersOf, matches, specifiedTags, tagSet, type Ec2Handler} from './ec2-query';
import {listParam, stringParam} from './form';
import {snapshotIdOf, volumeIdOf} from './ids';
import {AwsError, type ImageRecord, type InstanceRecord, type SecurityGroupRecord} from './model';
import type {XmlValue} from './xml';

const stateCodes: Record<InstanceRecord['state'], number> = {
	pending: 0,
	running: 16,
	'shutting-down': 32,
	terminated: 48,
	stopping: 64,
	stopped: 80,
};

function imageXml(image: ImageRecord): XmlValue {
	return {
		imageId: image.imageId,
		imageLocation: `${image.ownerAlias ?? image.ownerId}/${image.name}`,
		imageState: image.state,
		imageOwnerId: image.ownerId,
		creationDate: image.creationDate,
		isPublic: image.public,
		architecture: image.architecture,
		imageType: 'machine',
		imageOwnerAlias: image.ownerAlias,
		name: image.name,
		description: image.description,
		rootDeviceType: 'ebs',
		rootDeviceName: '/dev/xvda',
		virtualizationType: 'hvm',
		hypervisor: 'xen',
		blockDeviceMapping: [
			{
				deviceName: '/dev/xvda',
				ebs: {
					snapshotId: snapshotIdOf(image.imageId),
					volumeSize: 8,
					volumeType: 'gp2',
					deleteOnTermination: true,
					encrypted: image.encrypted ?? false,
				},
			},
		],
		stateReason: image.stateReason,
		tagSet: tagSet(image.tags),
		deprecationTime: image.deprecationTime,
		deregistrationProtection: image.deregistrationProtection ? 'enabled' : 'disabled',
		lastLaunchedTime: image.lastLaunchedTime,
		sourceImageId: image.copiedFrom?.imageId,
		sourceImageRegion: image.copiedFrom?.region,
	};
}

function instanceTags(instance: InstanceRecord): Record<string, string> {
	if (instance.tags) return instance.tags;
	return {
		Name: instance.stackName,
		'aws:cloudformation:stack-name': instance.stackName,
		'aws:cloudformation:logical-id': 'Instances',
		'aws:autoscaling:groupName': `${instance.stackName}-Instances`,
	};
}

function instanceXml(instance: InstanceRecord, groups: SecurityGroupRecord[]): XmlValue {
	return {
		instanceId: instance.instanceId,
		imageId: instance.imageId,
		instanceState: {code: stateCodes[instance.state], name: instance.state},
		privateDnsName: `ip-${instance.privateIpAddress.replaceAll('.', '-')}.ec2.internal`,
		privateIpAddress: instance.privateIpAddress,
		ipAddress: instance.publicIpAddress,
		instanceType: instance.instanceType,
		launchTime: instance.launchTime,
		placement: {availabilityZone: 'us-east-1a', tenancy: 'default'},
		vpcId: 'vpc-standin',
		subnetId: 'subnet-standin',
		architecture: 'x86_64',
		rootDeviceType: 'ebs',
		rootDeviceName: '/dev/xvda',
		blockDeviceMapping:
			instance.state === 'terminated'
				? []
				: [{deviceName: '/dev/xvda', ebs: {volumeId: volumeIdOf(instance), status: 'attached', deleteOnTermination: true}}],
		iamInstanceProfile: instance.instanceProfileArn ? {arn: instance.instanceProfileArn} : undefined,
		keyName: instance.keyName,
		groupSet: instance.securityGroupIds?.map(groupId => ({groupId, groupName: groups.find(group => group.groupId === groupId)?.groupName})),
		tagSet: tagSet(instanceTags(instance)),
	};
}

export const ec2Handlers: Record<string, Ec2Handler> = {
	...imageLifecycleHandlers,
	...buildResourceHandlers,
	...packerBuildHandlers,

	/** The rehearsal's Packer replay registers the image it "built", as Packer's CreateImage would. */
	RegisterImage(state, params, caller) {
		const image = state.registerImage({
			name: stringParam(params.Name) ?? 'unnamed',
			ownerId: caller.accountId,
			region: caller.region,
			tags: specifiedTags(params),
		});
		return {imageId: image.imageId};
	},

	/** Into the region the request is signed for, from SourceRegion; the copy is `pending` for a while. */
	CopyImage(state, params, caller) {
		const sourceRegion = stringParam(params.SourceRegion);
		const sourceImageId = stringParam(params.SourceImageId);
		const name = stringParam(params.Name);
		if (!sourceRegion || !sourceImageId || !name) {
			throw new AwsError('MissingParameter', 'CopyImage needs SourceRegion, SourceImageId and Name');
		}

		const description = stringParam(params.Description);
		const clientToken = stringParam(params.ClientToken);
		const image = state.copyImage({
			ownerId: caller.accountId,
			sourceRegion,
			sourceImageId,
			targetRegion: caller.region,
			name,
			...(description ? {description} : {}),
			encrypted: stringParam(params.Encrypted) === 'true',
			copyTags: stringParam(params.CopyImageTags) === 'true',
			tags: specifiedTags(params),
			...(clientToken ? {clientToken} : {}),
		});
		return {imageId: image.imageId};
	},

	DescribeImages(state, params, caller) {
		const inRegion = state.imagesIn(caller.region);
		const imageIds = listParam(params.ImageId).map(String);
		const missing = imageIds.filter(imageId => !inRegion.some(image => image.imageId === imageId));
		if (missing.length > 0) {
			throw new AwsError('InvalidAMIID.NotFound', `The image id '[${missing.join(',')}]' does not exist`);
		}

		const owners = listParam(params.Owner).map(String);
		const filters = filtersOf(params);
		const visible = (image: ImageRecord) =>
			image.ownerId === caller.accountId || image.public || image.launchPermissions.includes(caller.accountId);
		const ownedBy = (image: ImageRecord) =>
			owners.some(
				owner => owner === image.ownerId || (owner === 'self' && image.ownerId === caller.accountId) || owner === image.ownerAlias,
			);
		// A disabled image is listed only on request (IncludeDisabled), as EC2 does.
		const includeDisabled = stringParam(params.IncludeDisabled) === 'true';
		const images = inRegion.filter(
			image =>
				(imageIds.length === 0 || imageIds.includes(image.imageId)) &&
				(image.state !== 'disabled' || includeDisabled || imageIds.length > 0) &&
				(owners.length === 0 ? imageIds.length > 0 || visible(image) : ownedBy(image)) &&
				matches(
					filters,
					{
						'image-id': image.imageId,
						name: image.name,
						state: image.state,
						'owner-id': image.ownerId,
						'owner-alias': image.ownerAlias,
						'is-public': String(image.public),
						architecture: image.architecture,
						description: image.description,
					},
					image.tags,
				),
		);
		return {imagesSet: images.map(imageXml)};
	},

	DescribeImageAttribute(state, params, caller) {
		const imageId = stringParam(params.ImageId) ?? '';
		const image = state.imageIn(caller.region, imageId);
		if (!image) {
			throw new AwsError('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
		}

		const attribute = stringParam(params.Attribute);
		if (attribute === 'launchPermission') {
			return {imageId, launchPermission: [...(image.public ? [{group: 'all'}] : []), ...image.launchPermissions.map(userId => ({userId}))]};
		}

		if (attribute === 'description') {
			return {imageId, description: {value: image.description}};
		}

		if (attribute === 'lastLaunchedTime') {
			return {imageId, lastLaunchedTime: {value: image.lastLaunchedTime}};
		}

		throw new AwsError('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
	},

	/** The `$Latest` and `$Default` versions of the caller's launch templates (each has one version, both at once). */
	DescribeLaunchTemplateVersions(state, params, caller) {
		const versions = listParam(params.LaunchTemplateVersion).map(String);
		if (versions.some(version => version !== '$Latest' && version !== '$Default')) {
			throw new AwsError('InvalidParameterValue', 'The stand-in answers only the $Latest and $Default versions');
		}

		const id = stringParam(params.LaunchTemplateId);
		const name = stringParam(params.LaunchTemplateName);
		const templates = state
			.launchTemplatesOf(caller.accountId, caller.region)
			.filter(template => (!id || template.launchTemplateId === id) && (!name || template.launchTemplateName === name));
		return {
			launchTemplateVersionSet: templates.map(template => ({
				launchTemplateId: template.launchTemplateId,
				launchTemplateName: template.launchTemplateName,
				versionNumber: template.versionNumber,
				createTime: template.createTime,
				defaultVersion: true,
				launchTemplateData: {imageId: template.imageId},
			})),
		};
	},

	DescribeInstances(state, params, caller) {
		const instanceIds = listParam(params.InstanceId).map(String);
		const missing = instanceIds.filter(instanceId => !state.data.instances.some(instance => instance.instanceId === instanceId));
		if (missing.length > 0) {
			throw new AwsError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
		}

		const filters = filtersOf(params);
		const selected = state.data.instances.filter(
			instance =>
				(instanceIds.length === 0 || instanceIds.includes(instance.instanceId)) &&
				matches(
					filters,
					{
						'instance-id': instance.instanceId,
						'image-id': instance.imageId,
						'instance-state-name': instance.state,
						'instance-type': instance.instanceType,
						'private-ip-address': instance.privateIpAddress,
					},
					instanceTags(instance),
				),
		);
		const start = Number(stringParam(params.NextToken) ?? 0);
		const size = Number(stringParam(params.MaxResults) ?? selected.length) || selected.length;
		const page = selected.slice(start, start + size);
		return {
			reservationSet: page.map(instance => ({
				reservationId: `r-${instance.instanceId.slice(2)}`,
				ownerId: caller.accountId,
				groupSet: [],
				instancesSet: [instanceXml(instance, state.data.securityGroups ?? [])],
			})),
			nextToken: start + size < selected.length ? String(start + size) : undefined,
		};
	},
};
