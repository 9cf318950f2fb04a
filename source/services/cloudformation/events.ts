import {paginateDescribeStackEvents, type CloudFormationClient, type StackEvent} from '@aws-sdk/client-cloudformation';
import {isSettled} from './stack';
import {StackStatusPoller, stackPollerFor, type PollIntervals, type RoundOutcome, type StatusReading} from './stack-status-poller';
import {isThrottling} from './throttling';
import {countResources, isCascade} from '../../convox/stack-progress';
import type {StackSnapshot} from '../../core/stack';

export interface StackEventRecord {
	eventId: string;
	resource: string;
	resourceType: string;
	status: string;
	reason: string;
	timestamp: Date;
	/** The stack's own event rather than one of its resources'. */
	isStack: boolean;
}

export interface WatchProgress {
	status: string;
	finished: number;
	inProgress: number;
	failed: number;
	elapsedMs: number;
}

export interface WatcherOptions {
	client: CloudFormationClient;
	stackName: string;
	/**
	 * Where the watched update begins: events older than a Date are history; 'update-start' reaches
	 * back to the stack's latest UPDATE_IN_PROGRESS (re-attaching shows the update from its start,
	 * root cause included).
	 */
	since?: Date | 'update-start';
	/** The update is known to have begun (re-attaching): a settled status is final at once. */
	started?: boolean;
	intervals?: PollIntervals;
	/** Watchers with the same key (an account and region) share one stack-status poller; without one, the watcher polls alone. */
	pollerKey?: string;
	/** How long a settled status right after ExecuteChangeSet is taken as "not started yet". */
	startGraceMs?: number;
	onEvent(event: StackEventRecord): void;
	onProgress?(progress: WatchProgress): void;
	now?: () => number;
}

export type WatchResult = {kind: 'settled'; stack: StackSnapshot} | {kind: 'stopped'; status: string} | {kind: 'timed-out'; status: string};

const UPDATE_START_PAGES = 5;

function recordOf(event: StackEvent, stackName: string): StackEventRecord {
	const resource = event.LogicalResourceId ?? '';
	const resourceType = event.ResourceType ?? '';
	return {
		eventId: event.EventId ?? `${resource}-${event.Timestamp?.toISOString()}-${event.ResourceStatus}`,
		resource,
		resourceType,
		status: event.ResourceStatus ?? '',
		reason: event.ResourceStatusReason ?? '',
		timestamp: event.Timestamp ?? new Date(0),
		isStack: resourceType === 'AWS::CloudFormation::Stack' && resource === stackName,
	};
}

/**
 * Follows one stack update: new events oldest first, each once. Its stack's status comes from a
 * poller shared with the other watchers of the account and region, which polls faster while any
 * of their stacks changes and slower while none does; events are read in a round where the
 * stack's status or last update time changed, when the poller says they are due (one updating stack
 * a round), and once more when it settles. The SDK retries throttled calls itself; a throttle that outlasts
 * its retries only slows the rounds down.
 */
export class StackWatcher {
	private readonly seen = new Set<string>();
	private readonly resources = new Map<string, string>();
	private readonly failures: StackEventRecord[] = [];
	private readonly now: () => number;
	private readonly startedAt: number;
	private started: boolean;
	private anchored: boolean;
	private status = 'UNKNOWN';

	constructor(private readonly options: WatcherOptions) {
		this.now = options.now ?? Date.now;
		this.startedAt = this.now();
		this.started = options.started ?? false;
		this.anchored = options.since !== 'update-start';
	}

	/** Marks the events already there as history, so that only events after this moment are reported. */
	async markExisting(): Promise<void> {
		const pages = paginateDescribeStackEvents({client: this.options.client}, {StackName: this.options.stackName});
		for await (const page of pages) {
			for (const event of page.StackEvents ?? []) this.seen.add(recordOf(event, this.options.stackName).eventId);
			break;
		}
	}

	/** Polls until the stack settles, `stop` is aborted, or `deadline` (epoch ms) passes. */
	async watch(stop: AbortSignal, deadline?: number): Promise<WatchResult> {
		const {client, stackName, pollerKey, intervals} = this.options;
		const poller = pollerKey === undefined ? new StackStatusPoller(intervals) : stackPollerFor(pollerKey, intervals);
		const result = await poller.follow<WatchResult>({client, stackName, round: reading => this.round(reading, deadline)}, stop);
		return result ?? {kind: 'stopped', status: this.status};
	}

	private async round(reading: StatusReading, deadline: number | undefined): Promise<RoundOutcome<WatchResult>> {
		let outcome: 'changed' | 'quiet' | 'throttled' = 'throttled';
		if (reading.kind === 'status') {
			try {
				const {stack, changed, due} = reading;
				this.status = stack.status;
				const settled = isSettled(stack.status);
				const fresh = changed || due ? await this.pollEvents() : 0;
				if (!settled) this.started = true;
				else if (this.started || this.now() - this.startedAt > (this.options.startGraceMs ?? 60_000)) {
					if (!changed) await this.pollEvents();
					this.report();
					return {kind: 'done', result: {kind: 'settled', stack}};
				}
				outcome = changed || fresh > 0 ? 'changed' : 'quiet';
			} catch (error) {
				if (!isThrottling(error)) throw error;
			}
		}
		this.report();
		if (deadline !== undefined && this.now() >= deadline) return {kind: 'done', result: {kind: 'timed-out', status: this.status}};
		return {kind: outcome};
	}

	/** The first failure that is a cause rather than a consequence (cancelled siblings, the stack's own summary). */
	rootCause(): StackEventRecord | undefined {
		return [...this.failures]
			.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())
			.find(event => !event.isStack && event.reason !== '' && !isCascade(event.reason));
	}

	progress(): WatchProgress {
		return {status: this.status, ...countResources(this.resources.values()), elapsedMs: this.now() - this.startedAt};
	}

	private report(): void {
		this.options.onProgress?.(this.progress());
	}

	private async pollEvents(): Promise<number> {
		const fresh = await this.newEvents();
		for (const record of fresh) {
			this.seen.add(record.eventId);
			if (record.isStack) this.started = true;
			else this.resources.set(record.resource, record.status);
			if (record.status.endsWith('_FAILED')) this.failures.push(record);
			this.options.onEvent(record);
		}
		return fresh.length;
	}

	/** Events not reported yet, oldest first (DescribeStackEvents pages go newest first). */
	private async newEvents(): Promise<StackEventRecord[]> {
		const fresh: StackEventRecord[] = [];
		const since = this.options.since instanceof Date ? this.options.since.getTime() : undefined;
		const anchoring = !this.anchored;
		let pageCount = 0;
		const pages = paginateDescribeStackEvents({client: this.options.client}, {StackName: this.options.stackName});
		pages: for await (const page of pages) {
			for (const event of page.StackEvents ?? []) {
				const record = recordOf(event, this.options.stackName);
				if (this.seen.has(record.eventId) || (since !== undefined && record.timestamp.getTime() < since)) break pages;
				fresh.push(record);
				if (anchoring && record.isStack && record.status === 'UPDATE_IN_PROGRESS') break pages;
			}
			if (anchoring && ++pageCount >= UPDATE_START_PAGES) break;
		}
		this.anchored = true;
		return fresh.reverse().sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
	}
}
