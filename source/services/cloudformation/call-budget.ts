import {setTimeout as sleep} from 'node:timers/promises';
import type {CloudFormationClient} from '@aws-sdk/client-cloudformation';
import {isThrottling} from './throttling';

/**
 * CloudFormation calls per second that every client of one account and region shares
 * (CONVOX_AMI_CLOUDFORMATION_RATE overrides): 54 a minute, so that no minute of an account and
 * region goes over 60 calls however many racks a fleet has there.
 */
const CALLS_PER_SECOND = 0.9;
/** After a throttle, the shared pace stays halved this long, then recovers step by step. */
const SLOW_MS = 30_000;
const FLOOR_PER_SECOND = 0.25;

/**
 * One pace for every CloudFormation call of an account and region in this process: many racks'
 * stack watchers then cost a bounded number of calls per minute, however many stacks they watch,
 * and when one of them is throttled they all slow down together.
 */
class CallBudget {
	private next = 0;
	private rate: number;
	private slowUntil = 0;

	constructor(private readonly fullRate: number) {
		this.rate = fullRate;
	}

	get callsPerSecond(): number {
		return this.rate;
	}

	/** Resolves when the caller may make its call. */
	async take(): Promise<void> {
		const now = Date.now();
		if (this.rate < this.fullRate && now >= this.slowUntil) {
			this.rate = Math.min(this.fullRate, this.rate * 2);
			this.slowUntil = now + SLOW_MS;
		}
		const at = Math.max(now, this.next);
		this.next = at + 1000 / this.rate;
		if (at > now) await sleep(at - now);
	}

	throttled(): void {
		this.rate = Math.max(FLOOR_PER_SECOND, this.rate / 2);
		this.slowUntil = Date.now() + SLOW_MS;
	}
}

const budgets = new Map<string, CallBudget>();

/** The budget of one account and region, shared by every client of the process that calls there. */
export function callBudgetFor(accountKey: string, region: string, callsPerSecond = CALLS_PER_SECOND): CallBudget {
	const key = `${accountKey}/${region}`;
	let budget = budgets.get(key);
	if (!budget) {
		budget = new CallBudget(callsPerSecond);
		budgets.set(key, budget);
	}
	return budget;
}

/** Every attempt of every call of `client` waits for the budget; a throttled answer slows the budget down. */
export function withCallBudget(client: CloudFormationClient, budget: CallBudget): void {
	client.middlewareStack.add(
		next => async args => {
			await budget.take();
			try {
				return await next(args);
			} catch (error) {
				if (isThrottling(error)) budget.throttled();
				throw error;
			}
		},
		{step: 'finalizeRequest', priority: 'low', name: 'convoxAmiCallBudget'},
	);
}
