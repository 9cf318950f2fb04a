import type {Caller, Ec2Handler} from './ec2-query';
import {stringParam, type QueryParams} from './form';
import {snapshotIdOf} from './ids';
import {AwsError, type ImageRecord} from './model';
import type {StandInState} from './state';

/** The caller's own image in its region, after the refusals seeded for this action and image. */
function ownImage(state: StandInState, action: string, params: QueryParams, caller: Caller): ImageRecord {
	const imageId = stringParam(params.ImageId) ?? '';
	const refusal = state.data.imageRefusals?.find(candidate => candidate.action === action && candidate.imageId === imageId);
	if (refusal) {
		const messages: Record<string, string> = {
			AccessDenied: `You are not authorized to perform this operation (ec2:${action} on ${imageId}).`,
			UnauthorizedOperation: `You are not authorized to perform this operation (ec2:${action} on ${imageId}).`,
		};
		throw new AwsError(refusal.code, messages[refusal.code] ?? `The image ${imageId} is not available for ${action}.`);
	}
	const image = state.imageIn(caller.region, imageId);
	if (!image) throw new AwsError('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
	if (image.ownerId !== caller.accountId) {
		throw new AwsError('AuthFailure', `Not authorized for image:${imageId}`);
	}
	return image;
}

/** EC2 rounds DeprecateAt to the minute and refuses a time in the past. */
function deprecationTimeOf(params: QueryParams): string {
	const at = Date.parse(stringParam(params.DeprecateAt) ?? '');
	if (Number.isNaN(at)) throw new AwsError('MissingParameter', 'The request must contain the parameter DeprecateAt');
	const minute = new Date(Math.round(at / 60_000) * 60_000);
	if (minute.getTime() < Date.now() - 60_000) {
		throw new AwsError('InvalidParameterValue', `The DeprecateAt time ${minute.toISOString()} is in the past.`);
	}
	return minute.toISOString().replace('.000Z', 'Z');
}

/** EnableImageDeprecation, DisableImage, EnableImage, DeregisterImage and DeleteSnapshot, as EC2 answers them for an image's owner. */
export const imageLifecycleHandlers: Record<string, Ec2Handler> = {
	EnableImageDeprecation(state, params, caller) {
		const image = ownImage(state, 'EnableImageDeprecation', params, caller);
		image.deprecationTime = deprecationTimeOf(params);
		state.commit();
		return {return: true};
	},

	DisableImage(state, params, caller) {
		const image = ownImage(state, 'DisableImage', params, caller);
		if (image.state !== 'available' && image.state !== 'disabled') {
			throw new AwsError('IncorrectState', `The image ${image.imageId} is ${image.state}, not available.`);
		}
		image.state = 'disabled';
		state.commit();
		return {return: true};
	},

	EnableImage(state, params, caller) {
		const image = ownImage(state, 'EnableImage', params, caller);
		if (image.state === 'disabled') image.state = 'available';
		state.commit();
		return {return: true};
	},

	DeregisterImage(state, params, caller) {
		const image = ownImage(state, 'DeregisterImage', params, caller);
		if (image.deregistrationProtection) {
			throw new AwsError('OperationNotPermitted', `The image ${image.imageId} has deregistration protection enabled.`);
		}
		state.data.images = state.data.images.filter(existing => existing !== image);
		const snapshotId = snapshotIdOf(image.imageId);
		const deleteSnapshots = stringParam(params.DeleteAssociatedSnapshots) === 'true';
		if (deleteSnapshots) state.data.deletedSnapshots = [...(state.data.deletedSnapshots ?? []), snapshotId];
		state.commit();
		return {return: true, ...(deleteSnapshots ? {deleteSnapshotResultSet: [{snapshotId, returnCode: 'success'}]} : {})};
	},

	/** Any snapshot of an image that no longer exists (the stand-in keeps no other snapshots). */
	DeleteSnapshot(state, params) {
		const snapshotId = stringParam(params.SnapshotId) ?? '';
		const deleted = state.data.deletedSnapshots ?? [];
		if (deleted.includes(snapshotId) || !snapshotId.startsWith('snap-')) {
			throw new AwsError('InvalidSnapshot.NotFound', `The snapshot '${snapshotId}' does not exist.`);
		}
		const imageId = `ami-${snapshotId.slice(5)}`;
		if (state.data.images.some(image => image.imageId === imageId)) {
			throw new AwsError('InvalidSnapshot.InUse', `The snapshot ${snapshotId} is currently in use by ${imageId}`);
		}
		state.data.deletedSnapshots = [...deleted, snapshotId];
		state.commit();
		return {return: true};
	},
};
