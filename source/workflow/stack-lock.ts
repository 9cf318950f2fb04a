import {randomUUID} from 'node:crypto';
import os from 'node:os';
import {UsageError, errorText} from '../core/errors';
import {formatDuration} from '../core/format-duration';
import {WriteConflict, type StateBackend} from '../core/state-backend';

/** How often a live holder renews its lock, and how long after its last renewal a lock counts as abandoned. */
const LOCK_HEARTBEAT_SECONDS = 30;
const LOCK_EXPIRY_SECONDS = 300;

/** The stack a lock guards: one rack, whatever its run. */
export interface LockedStack {
	accountId: string;
	region: string;
	stackName: string;
}

/** What the lock object holds: who holds it, and since when it was last seen alive. */
export interface LockHolder {
	id: string;
	user: string;
	host: string;
	pid: number;
	runId: string;
	command: string;
	since: string;
	heartbeat: string;
	/** How long after `heartbeat` the holder counts as gone: its own setting, which every taker respects. */
	expirySeconds: number;
}

export interface StackLock {
	/** The holder whose expired lock was taken over. */
	takenOver?: LockHolder;
	/**
	 * Why this run no longer holds the lock (released by hand, taken over, refused at a renewal),
	 * read afresh from the state; undefined while it still holds it.
	 */
	lost(): Promise<string | undefined>;
	release(): Promise<void>;
}

export interface LockTiming {
	heartbeatMs: number;
	expiryMs: number;
	now(): number;
}

/** A rehearsal's machines are folders side by side: a killed one's lock expires in seconds. */
const REHEARSAL_LOCK_EXPIRY_SECONDS = 10;

/** The constants, or CONVOX_AMI_LOCK_EXPIRY_SECONDS (the heartbeat a tenth of it). */
export function lockTiming(environment: NodeJS.ProcessEnv, {rehearsal}: {rehearsal: boolean}): LockTiming {
	const expiry = Number(environment.CONVOX_AMI_LOCK_EXPIRY_SECONDS);
	const expirySeconds = Number.isFinite(expiry) && expiry > 0 ? expiry : rehearsal ? REHEARSAL_LOCK_EXPIRY_SECONDS : LOCK_EXPIRY_SECONDS;
	const heartbeatSeconds = expirySeconds === LOCK_EXPIRY_SECONDS ? LOCK_HEARTBEAT_SECONDS : expirySeconds / 10;
	return {heartbeatMs: heartbeatSeconds * 1000, expiryMs: expirySeconds * 1000, now: () => Date.now()};
}

const lockName = (stack: LockedStack) => `${stack.accountId}.${stack.region}.${stack.stackName}`;
const keyOf = (name: string) => `locks/${name}.lock`;

/** What `convox-ami unlock` takes: the stack and the holder's id, so that it never releases a later holder's lock. */
function lockIdOf(stack: LockedStack, holder: Pick<LockHolder, 'id'>): string {
	return `${lockName(stack)}.${holder.id}`;
}

function parseHolder(text: string): LockHolder | undefined {
	try {
		const holder = JSON.parse(text) as LockHolder;
		return typeof holder.id === 'string' && typeof holder.heartbeat === 'string' ? holder : undefined;
	} catch {
		return undefined;
	}
}

const expiryMsOf = (holder: LockHolder, timing: LockTiming) =>
	Number.isFinite(holder.expirySeconds) && holder.expirySeconds > 0 ? holder.expirySeconds * 1000 : timing.expiryMs;

function refusal(stack: LockedStack, holder: LockHolder, timing: LockTiming): UsageError {
	const ago = formatDuration(Math.max(0, timing.now() - Date.parse(holder.heartbeat)));
	return new UsageError(
		`${stack.stackName} (account ${stack.accountId}, ${stack.region}) is locked by ${holder.user}@${holder.host} pid ${holder.pid}, run ${holder.runId} (\`${holder.command}\`), since ${holder.since}; last heartbeat ${ago} ago. Lock id: ${lockIdOf(stack, holder)}`,
		`Wait for that run to end. If it is gone, its lock expires ${formatDuration(expiryMsOf(holder, timing))} after its last heartbeat, or release it now with \`convox-ami unlock ${lockIdOf(stack, holder)}\`.`,
	);
}

/**
 * One run at a time per rack stack, across machines: the lock is an object created with
 * `If-None-Match: *`, renewed by its holder (`If-Match` on the version it wrote), and taken over
 * (again with `If-Match`, so only one taker wins) once its heartbeat is older than the expiry.
 */
export async function acquireStackLock(
	backend: StateBackend,
	stack: LockedStack,
	owner: {runId: string; command: string},
	options: {timing: LockTiming; onLost(message: string): void},
): Promise<StackLock> {
	const {timing} = options;
	const key = keyOf(lockName(stack));
	const since = new Date(timing.now()).toISOString();
	const holder: LockHolder = {
		id: randomUUID().slice(0, 8),
		user: os.userInfo().username,
		host: os.hostname(),
		pid: process.pid,
		runId: owner.runId,
		command: owner.command,
		since,
		heartbeat: since,
		expirySeconds: timing.expiryMs / 1000,
	};
	const text = () => `${JSON.stringify(holder, null, 2)}\n`;
	let takenOver: LockHolder | undefined;
	let etag: string | undefined;
	for (let attempt = 0; attempt < 3 && !etag; attempt++) {
		try {
			etag = await backend.put(key, text(), {ifNoneMatch: '*'});
			break;
		} catch (error) {
			if (!(error instanceof WriteConflict)) throw error;
		}
		const current = await backend.get(key);
		if (!current) continue;
		const other = parseHolder(current.text);
		if (other && timing.now() - Date.parse(other.heartbeat) < expiryMsOf(other, timing)) throw refusal(stack, other, timing);
		try {
			etag = await backend.put(key, text(), {ifMatch: current.etag});
			takenOver = other ?? {...holder, id: 'unreadable', user: 'unknown', host: 'unknown', pid: 0, runId: 'unknown', command: 'unknown'};
		} catch (error) {
			if (!(error instanceof WriteConflict)) throw error;
		}
	}
	if (!etag)
		throw new UsageError(
			`Could not take the lock of ${stack.stackName} in ${backend.where}: other processes keep taking it.`,
			'Try again in a minute.',
		);
	let lostBecause: string | undefined;
	/** Reads the lock: while it names this holder, its version is ours to renew; else the lock is lost. */
	const stillHeld = async (): Promise<boolean> => {
		const current = await backend.get(key);
		const named = current && parseHolder(current.text);
		if (current && named?.id === holder.id) {
			etag = current.etag;
			return true;
		}
		etag = undefined;
		lostBecause = named
			? `The lock of ${stack.stackName} in ${backend.where} is now held by ${named.user}@${named.host} (run ${named.runId}): it was taken over once this run's heartbeat had expired; this run no longer holds it.`
			: `The lock of ${stack.stackName} in ${backend.where} was released by hand (\`convox-ami unlock\`); this run no longer holds it.`;
		return false;
	};
	let renewing: Promise<void> = Promise.resolve();
	const timer = setInterval(() => {
		renewing = renewing.then(async () => {
			if (!etag) return;
			holder.heartbeat = new Date(timing.now()).toISOString();
			try {
				etag = await backend.put(key, text(), {ifMatch: etag});
			} catch (error) {
				// A refused conditional write (412, 409, 404) may be a concurrent write of ours: the object says whose the lock is.
				if (error instanceof WriteConflict) {
					if (!(await stillHeld().catch(() => true))) options.onLost(`${lostBecause} The run stops before its next step.`);
					return;
				}
				// A passing S3 error: the lock is still ours, the next heartbeat tries again.
				options.onLost(
					`Could not renew the lock of ${stack.stackName} in ${backend.where} (trying again at the next heartbeat): ${errorText(error)}`,
				);
			}
		});
	}, timing.heartbeatMs);
	timer.unref();
	return {
		...(takenOver ? {takenOver} : {}),
		async lost() {
			// In the renewals' queue, so that a heartbeat's new version is never replaced by an older read.
			// A passing S3 error is not a loss: the next heartbeat tells.
			const checked = renewing.then(async () => {
				if (etag) await stillHeld().catch(() => true);
			});
			renewing = checked;
			await checked;
			return lostBecause;
		},
		async release() {
			clearInterval(timer);
			await renewing;
			if (!etag) return;
			const current = await backend.get(key);
			if (current && parseHolder(current.text)?.id === holder.id) await backend.delete(key);
		},
	};
}

/** `convox-ami unlock LOCK_ID`: releases the lock the id names, only while that holder still has it. */
export async function releaseLockById(backend: StateBackend, lockId: string): Promise<LockHolder> {
	const match = /^(\d{12})\.([a-z]{2}(?:-[a-z]+)+-\d)\.([A-Za-z][A-Za-z0-9-]*)\.([0-9a-f]{8})$/.exec(lockId);
	if (!match)
		throw new UsageError(
			`${lockId} is not a lock id.`,
			'Pass the id the refusal printed (ACCOUNT.REGION.STACK.ID, e.g. 111111111111.us-east-1.convox-dev.3f2a9c1b).',
		);
	const [, accountId, region, stackName, id] = match;
	const key = keyOf(`${accountId}.${region}.${stackName}`);
	const current = await backend.get(key);
	const holder = current && parseHolder(current.text);
	if (!holder)
		throw new UsageError(`${stackName} (account ${accountId}, ${region}) is not locked in ${backend.where}.`, 'Nothing to unlock.');
	if (holder.id !== id)
		throw new UsageError(
			`The lock of ${stackName} is now held by someone else (${holder.user}@${holder.host}, run ${holder.runId}, lock id ${lockIdOf({accountId: accountId!, region: region!, stackName: stackName!}, holder)}); it was not released.`,
			'Check that this holder is gone before you unlock it by its own id.',
		);
	await backend.delete(key);
	return holder;
}
