import type {StateHandOff} from './state-location';

/** An object as the state backend holds it, with the ETag a conditional write names. */
export interface StoredObject {
	text: string;
	etag: string;
}

/** A key as a listing names it, with the ETag of its current version. */
export interface ListedObject {
	key: string;
	etag: string;
}

/**
 * How a write is guarded: `ifNoneMatch` creates only when the key is absent (a lock), `ifMatch`
 * replaces only the version read last (a journal); without either the object is simply written.
 */
export type WriteCondition = {ifNoneMatch: '*'} | {ifMatch: string};

/**
 * A conditional write lost: 'exists' (the key was there), 'changed' (another writer replaced the
 * version read), 'conflict' (two conditional writes at once; S3's 409) or 'missing' (If-Match on a gone key).
 */
export class WriteConflict extends Error {
	constructor(
		readonly key: string,
		readonly reason: 'exists' | 'changed' | 'conflict' | 'missing',
	) {
		super(`The conditional write of ${key} lost (${reason}).`);
		this.name = 'WriteConflict';
	}
}

/**
 * Where runs are kept beyond this machine: an object store under one prefix (S3). Keys are relative
 * to the prefix (`runs/RUN_ID.json`, `locks/…`).
 */
export interface StateBackend {
	/** How messages name it, e.g. `s3://bucket/prefix`. */
	readonly where: string;
	/** How a child process reaches the same state (the Packer keeper sends its record and log there). */
	readonly handOff: StateHandOff;
	get(key: string): Promise<StoredObject | undefined>;
	/** Gives back the new ETag; throws WriteConflict when `condition` does not hold. */
	put(key: string, text: string, condition?: WriteCondition): Promise<string>;
	delete(key: string): Promise<void>;
	/** Every key under `prefix` (relative to the backend's own prefix) with its ETag. */
	list(prefix: string): Promise<ListedObject[]>;
	/** A notice about the backend itself (versioning off), once per session; undefined when all is well. */
	advice(): Promise<string | undefined>;
}

/** The shared state of a command, opened: its backend, and what to tell the operator about it. */
export interface SharedBackend {
	backend: StateBackend;
	/** Under --rehearse: the folder of the rehearsal's world (its S3 objects and its AWS), shared by every folder that names it. */
	rehearsalWorld?: string;
	/** Versioning off, say: shown once as a notice. */
	advice?: string;
	close(): Promise<void>;
}
