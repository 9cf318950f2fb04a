import {filtersOf, matches, tagSet, type Caller, type Ec2Handler} from './ec2-query';
import {listParam, objectParam, stringParam, type QueryParams} from './form';
import {snapshotIdOf, volumeIdOf} from './ids';
import {AwsError, type ImageRecord} from './model';
import type {StandInState} from './state';

/** The regions DescribeRegions lists (Packer's amazon builders check theirs against it). */
const REGIONS = [
	'us-east-1',
	'us-east-2',
	'us-west-1',
	'us-west-2',
	'ca-central-1',
	'sa-east-1',
	'eu-west-1',
	'eu-west-2',
	'eu-west-3',
	'eu-central-1',
	'eu-north-1',
	'ap-south-1',
	'ap-southeast-1',
	'ap-southeast-2',
	'ap-northeast-1',
	'ap-northeast-2',
];

/** An EBS snapshot takes a moment: the image CreateImage makes stays `pending` about a poll of Packer's (1 s apart in tests). */
const IMAGE_CREATION_MS = 1500;

function tagsOf(params: QueryParams): Record<string, string> {
	const tags: Record<string, string> = {};
	for (const tag of listParam(params.Tag)) {
		const {Key, Value} = objectParam(tag);
		if (typeof Key === 'string') tags[Key] = stringParam(Value) ?? '';
	}
	return tags;
}

function ownImage(state: StandInState, caller: Caller, imageId: string): ImageRecord | undefined {
	return state.imagesIn(caller.region).find(image => image.imageId === imageId && image.ownerId === caller.accountId);
}

/** The image whose EBS snapshot this is (each stand-in image has one: `snap-` and the image's hex). */
function snapshotImage(state: StandInState, caller: Caller, snapshotId: string): ImageRecord | undefined {
	return state.imagesIn(caller.region).find(image => snapshotIdOf(image.imageId) === snapshotId && image.ownerId === caller.accountId);
}

/** Adds tags to whatever the id names; like EC2, one id that does not exist fails the whole call. */
function tagResource(state: StandInState, caller: Caller, resourceId: string, tags: Record<string, string>): void {
	const image = ownImage(state, caller, resourceId);
	const snapshotOf = snapshotImage(state, caller, resourceId);
	const instance = state.data.instances.find(candidate => candidate.instanceId === resourceId);
	const group = state.data.securityGroups?.find(candidate => candidate.groupId === resourceId);
	if (image) image.tags = {...image.tags, ...tags};
	else if (snapshotOf) snapshotOf.snapshotTags = {...snapshotOf.snapshotTags, ...tags};
	else if (instance) instance.tags = {...instance.tags, ...tags};
	else if (group) group.tags = {...group.tags, ...tags};
	else throw new AwsError('InvalidID', `The ID '${resourceId}' is not valid`);
}

/** What Packer's amazon-ebs builder calls besides its key pair, security group and instance. */
export const packerBuildHandlers: Record<string, Ec2Handler> = {
	DescribeRegions() {
		return {
			regionInfo: REGIONS.map(regionName => ({
				regionName,
				regionEndpoint: `ec2.${regionName}.amazonaws.com`,
				optInStatus: 'opt-in-not-required',
			})),
		};
	},

	/** An image of the stopped (or running, with NoReboot) instance, `pending` until its snapshot is done. */
	CreateImage(state, params, caller) {
		const instanceId = stringParam(params.InstanceId) ?? '';
		const instance = state.data.instances.find(candidate => candidate.instanceId === instanceId);
		if (!instance || instance.state === 'terminated') {
			throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
		}
		const name = stringParam(params.Name) ?? '';
		if (state.imagesIn(caller.region).some(image => image.ownerId === caller.accountId && image.name === name)) {
			throw new AwsError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by another AMI`);
		}
		const description = stringParam(params.Description);
		const image = state.registerImage({
			name,
			ownerId: caller.accountId,
			region: caller.region,
			state: 'pending',
			...(description ? {description} : {}),
			encrypted: listParam(params.BlockDeviceMapping).some(
				mapping => stringParam(objectParam(objectParam(mapping).Ebs).Encrypted) === 'true',
			),
			architecture: state.image(instance.imageId)?.architecture ?? 'x86_64',
		});
		image.instanceId = instanceId;
		image.completesAt = Date.now() + IMAGE_CREATION_MS;
		state.commit();
		return {imageId: image.imageId};
	},

	/** Packer sets `ami_description` (and would share with `ami_users`) after CreateImage. */
	ModifyImageAttribute(state, params, caller) {
		const imageId = stringParam(params.ImageId) ?? '';
		const image = ownImage(state, caller, imageId);
		if (!image) throw new AwsError('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
		const description = stringParam(objectParam(params.Description).Value);
		if (description !== undefined) image.description = description;
		const added = listParam(objectParam(params.LaunchPermission).Add).map(objectParam);
		image.launchPermissions = [...image.launchPermissions, ...added.flatMap(permission => stringParam(permission.UserId) ?? [])];
		if (added.some(permission => stringParam(permission.Group) === 'all')) image.public = true;
		state.commit();
		return {return: true};
	},

	CreateTags(state, params, caller) {
		const tags = tagsOf(params);
		for (const resourceId of listParam(params.ResourceId).map(String)) tagResource(state, caller, resourceId, tags);
		state.commit();
		return {return: true};
	},

	/** The root volumes of the instances that are not terminated (each is deleted on termination). */
	DescribeVolumes(state, params) {
		const ids = listParam(params.VolumeId).map(String);
		const filters = filtersOf(params);
		const volumes = state.data.instances
			.filter(instance => instance.state !== 'terminated')
			.map(instance => ({instance, volumeId: volumeIdOf(instance)}))
			.filter(({volumeId}) => (ids.length === 0 || ids.includes(volumeId)) && matches(filters, {'volume-id': volumeId}, {}));
		return {
			volumeSet: volumes.map(({instance, volumeId}) => ({
				volumeId,
				size: 8,
				snapshotId: snapshotIdOf(instance.imageId),
				availabilityZone: 'us-east-1a',
				status: 'in-use',
				volumeType: 'gp2',
				attachmentSet: [{volumeId, instanceId: instance.instanceId, device: '/dev/xvda', status: 'attached', deleteOnTermination: true}],
				tagSet: tagSet({}),
			})),
		};
	},

	/** Packer opens the SSH port of its temporary group to the world (or to `temporary_security_group_source_cidrs`). */
	AuthorizeSecurityGroupIngress(state, params, caller) {
		const groupId = stringParam(params.GroupId) ?? '';
		const exists = state.data.securityGroups?.some(
			group => group.groupId === groupId && group.accountId === caller.accountId && group.region === caller.region,
		);
		if (!exists) throw new AwsError('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
		return {return: true};
	},
};
