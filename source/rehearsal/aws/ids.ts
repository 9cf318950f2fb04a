import {randomBytes, randomUUID} from 'node:crypto';

export function hexId(prefix: string, length = 17): string {
	return (
		prefix +
		randomBytes(Math.ceil(length / 2))
			.toString('hex')
			.slice(0, length)
	);
}

export function physicalSuffix(): string {
	return randomBytes(8).toString('base64url').replace(/[-_]/g, 'X').toUpperCase().slice(0, 12);
}

export {randomUUID};

/** The one EBS snapshot a stand-in image is backed by. */
export function snapshotIdOf(imageId: string): string {
	return `snap-${imageId.slice(4)}`;
}

/** The root EBS volume of a stand-in instance (deleted with it). */
export function volumeIdOf(instance: {instanceId: string}): string {
	return `vol-${instance.instanceId.slice(2)}`;
}
