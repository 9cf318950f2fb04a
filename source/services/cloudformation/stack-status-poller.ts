import {paginateDescribeStacks, type CloudFormationClient} from '@aws-sdk/client-cloudformation';
import {isThrottling} from './throttling';
import {describeStack, isSettled, rememberStack, snapshotOf} from './stack';
import type {StackSnapshot} from '../../core/stack';

export interface PollIntervals {
	minMs: number;
	maxMs: number;
	/** How much the wait grows after a round in which no watched stack changed. */
	factor: number;
	/**
	 * The least wait after a round per CloudFormation call it made (its share of the account and
	 * region's calls): the more stacks a round reads, the longer the wait, so that the watch's calls
	 * per minute do not grow with the stacks watched.
	 */
	callMs?: number;
}

/** The intervals of a watch whose quickest round is every `minMs`: at most 1000 × 60 / (0.75 × minMs) calls a minute (40 at 2 s). */
export const pollIntervalsOf = (minMs: number): PollIntervals => ({minMs, maxMs: minMs * 5, factor: 1.5, callMs: minMs * 0.75});

const DEFAULT_POLL_INTERVALS = pollIntervalsOf(2000);

/** A throttled round doubles the wait, from at least `maxMs`, up to this many times `maxMs`. */
const THROTTLED_CEILING = 4;

/** What a round tells a member about its stack. */
export type StatusReading =
	| {
			kind: 'status';
			stack: StackSnapshot;
			/** The status (or the time of the last update) differs from the member's previous round, or this is its first. */
			changed: boolean;
			/**
			 * The member's turn to read its events although its status did not change: one stack a
			 * round, of those still updating, the one whose events were read the longest ago.
			 */
			due: boolean;
	  }
	| {kind: 'throttled'};

export type RoundOutcome<T> = {kind: 'changed' | 'quiet' | 'throttled'} | {kind: 'done'; result: T};

export interface PolledStack<T> {
	readonly client: CloudFormationClient;
	readonly stackName: string;
	/** Takes the round's reading; 'done' leaves the poller with a result, a throw leaves it with that error. */
	round(reading: StatusReading): Promise<RoundOutcome<T>>;
}

interface Member {
	readonly stack: PolledStack<unknown>;
	fingerprint?: string;
	/** The round in which the member last read its events (changed or due). */
	eventsRound: number;
	busy: boolean;
	stopped: boolean;
	settle(result: unknown): void;
	fail(error: unknown): void;
}

const fingerprintOf = (stack: StackSnapshot) => `${stack.status} ${stack.lastUpdatedTime?.toISOString() ?? ''}`;

/**
 * Reads the status of every stack its members watch, one round at a time, and backs off for all of
 * them together. A round lists the stacks with one paginated DescribeStacks without StackName when
 * that costs fewer calls than naming each stack (so a poller of one stack names it, as a lone
 * watcher did); a stack the listing leaves out (deleted, or not the caller's) is described by name,
 * so that its errors are the ones a lone watcher would meet.
 */
export class StackStatusPoller {
	private readonly members: Member[] = [];
	/** Pages the last listing took: listing pays while more stacks are watched than that. */
	private listingPages = 1;
	private listingRefused = false;
	/** Watched stacks the last listing left out. */
	private readonly unlisted = new Set<string>();
	/** CloudFormation calls of the round under way, and its events reads (stacks that changed or were due). */
	private roundCalls = 0;
	private eventReads = 0;
	private rounds = 0;
	private running = false;
	private woken = false;
	private wake?: () => void;

	constructor(
		private readonly intervals: PollIntervals = DEFAULT_POLL_INTERVALS,
		private readonly onEmpty: () => void = () => undefined,
	) {}

	/** Polls `stack` with the others until its round says 'done' (its result) or `stop` is aborted (undefined). */
	follow<T>(stack: PolledStack<T>, stop: AbortSignal): Promise<T | undefined> {
		return new Promise<T | undefined>((resolve, reject) => {
			if (stop.aborted) return resolve(undefined);
			const onStop = () => {
				member.stopped = true;
				this.leave(member);
				if (!member.busy) member.settle(undefined);
			};
			const member: Member = {
				stack,
				eventsRound: 0,
				busy: false,
				stopped: false,
				settle: result => {
					stop.removeEventListener('abort', onStop);
					resolve(result as T | undefined);
				},
				fail: error => {
					stop.removeEventListener('abort', onStop);
					reject(error);
				},
			};
			stop.addEventListener('abort', onStop);
			this.members.push(member);
			this.woken = true;
			this.wake?.();
			if (!this.running) {
				this.running = true;
				// Watchers that start together (a wave's racks) share the first round.
				setImmediate(() => void this.run());
			}
		});
	}

	private leave(member: Member): void {
		const index = this.members.indexOf(member);
		if (index < 0) return;
		this.members.splice(index, 1);
		this.unlisted.delete(member.stack.stackName);
		if (this.members.length === 0) {
			this.wake?.();
			this.onEmpty();
		}
	}

	private async run(): Promise<void> {
		let delay = this.intervals.minMs;
		while (this.members.length > 0) {
			this.woken = false;
			this.roundCalls = 0;
			this.eventReads = 0;
			this.rounds++;
			const outcomes = await this.round([...this.members]);
			delay = this.nextDelay(delay, outcomes);
			await this.pause(Math.max(delay, this.spacing(outcomes)));
		}
		this.running = false;
	}

	private nextDelay(delay: number, outcomes: Array<RoundOutcome<unknown>['kind']>): number {
		const {minMs, maxMs, factor} = this.intervals;
		if (outcomes.includes('throttled')) return Math.min(maxMs * THROTTLED_CEILING, Math.max(maxMs, delay * 2));
		if (outcomes.includes('changed') || outcomes.includes('done')) return minMs;
		return Math.min(maxMs, Math.round(delay * factor));
	}

	/** The least wait after a round: its status reads, and one events read per stack that changed, was due or settled. */
	private spacing(outcomes: Array<RoundOutcome<unknown>['kind']>): number {
		const settled = outcomes.filter(kind => kind === 'done').length;
		return (this.roundCalls + this.eventReads + settled) * (this.intervals.callMs ?? 0);
	}

	/** Waits `ms`, or less when a stack joins (its first reading is due now) or the last one leaves. */
	private async pause(ms: number): Promise<void> {
		if (this.woken || this.members.length === 0) return;
		await new Promise<void>(resolve => {
			const done = () => {
				clearTimeout(timer);
				this.wake = undefined;
				resolve();
			};
			const timer = setTimeout(done, ms);
			this.wake = done;
		});
	}

	private async round(members: Member[]): Promise<Array<RoundOutcome<unknown>['kind']>> {
		const readings = await this.readings(members);
		return Promise.all(
			members.map(async member => {
				const reading = readings.get(member);
				if (!reading || member.stopped) return 'quiet';
				member.busy = true;
				try {
					const outcome = await member.stack.round(reading);
					if (outcome.kind === 'done') {
						this.leave(member);
						member.settle(outcome.result);
					} else if (member.stopped) member.settle(undefined);
					return outcome.kind;
				} catch (error) {
					this.leave(member);
					member.fail(error);
					return 'quiet';
				} finally {
					member.busy = false;
				}
			}),
		);
	}

	/** Every member's reading; a member whose stack cannot be described leaves with the error. */
	private async readings(members: Member[]): Promise<Map<Member, StatusReading>> {
		const readings = new Map<Member, StatusReading>();
		const listed = await this.listing(members);
		await Promise.all(
			members.map(async member => {
				if (listed === 'throttled') {
					readings.set(member, {kind: 'throttled'});
					return;
				}
				const {stackName, client} = member.stack;
				let stack = listed?.get(stackName);
				if (listed && !stack) this.unlisted.add(stackName);
				try {
					if (!stack) {
						this.roundCalls++;
						stack = await describeStack(client, stackName);
					}
				} catch (error) {
					if (isThrottling(error)) {
						readings.set(member, {kind: 'throttled'});
					} else if (!member.stopped) {
						this.leave(member);
						member.fail(error);
					}
					return;
				}
				rememberStack(client, stackName, stack);
				const fingerprint = fingerprintOf(stack);
				readings.set(member, {kind: 'status', stack, changed: fingerprint !== member.fingerprint, due: false});
				member.fingerprint = fingerprint;
			}),
		);
		this.markDue(readings);
		return readings;
	}

	/**
	 * Events are read for every stack whose status changed, and for one more stack still updating:
	 * the one read the longest ago. A lone stack still streams its events every round; many stacks
	 * add one events read a round, not one each.
	 */
	private markDue(readings: Map<Member, StatusReading>): void {
		let due: Member | undefined;
		for (const [member, reading] of readings) {
			if (reading.kind !== 'status') continue;
			if (reading.changed) {
				member.eventsRound = this.rounds;
				this.eventReads++;
			} else if (!isSettled(reading.stack.status) && (!due || member.eventsRound < due.eventsRound)) due = member;
		}
		const reading = due && readings.get(due);
		if (!due || reading?.kind !== 'status') return;
		readings.set(due, {...reading, due: true});
		due.eventsRound = this.rounds;
		this.eventReads++;
	}

	/** The listed stacks by name and by id, or undefined when naming each stack is cheaper (or listing was refused). */
	private async listing(members: Member[]): Promise<Map<string, StackSnapshot> | 'throttled' | undefined> {
		const listable = members.filter(member => !this.unlisted.has(member.stack.stackName));
		if (this.listingRefused || listable.length <= this.listingPages) return undefined;
		const stacks = new Map<string, StackSnapshot>();
		let pages = 0;
		try {
			for await (const page of paginateDescribeStacks({client: listable[0]!.stack.client}, {})) {
				pages++;
				this.roundCalls++;
				for (const stack of page.Stacks ?? []) {
					const snapshot = snapshotOf(stack);
					stacks.set(snapshot.stackName, snapshot).set(snapshot.stackId, snapshot);
				}
			}
		} catch (error) {
			if (isThrottling(error)) return 'throttled';
			this.listingRefused = true;
			return undefined;
		}
		this.listingPages = pages;
		return stacks;
	}
}

const pollers = new Map<string, StackStatusPoller>();

/**
 * The poller of every watcher with this key (an account and region) in the process; it opens with
 * the intervals of the watcher that needs it first and closes when its last watcher leaves.
 */
export function stackPollerFor(key: string, intervals?: PollIntervals): StackStatusPoller {
	let poller = pollers.get(key);
	if (!poller) {
		const opened = new StackStatusPoller(intervals, () => {
			if (pollers.get(key) === opened) pollers.delete(key);
		});
		pollers.set(key, opened);
		poller = opened;
	}
	return poller;
}
