import {setTimeout as sleep} from 'node:timers/promises';
import type {ProbeOutcome} from './outcome';
import {formatDuration} from '../../core/format-duration';

/** The last attempt still gets this long to answer, so that it can report what it saw rather than a timeout. */
const MIN_ATTEMPT_MS = 2000;

export interface RetryOptions {
	/** How long to keep trying, from the first attempt. */
	timeoutMs: number;
	initialDelayMs?: number;
	maxDelayMs?: number;
	signal?: AbortSignal;
	/** Called after each retryable failure with what happened and what comes next. */
	onRetry?: (detail: string) => void;
}

/**
 * Runs `attempt` (given the time left) until it passes, fails for good, or the time is up, backing off exponentially.
 * The final detail says how many attempts were made over how long.
 */
export async function retryUntil(attempt: (remainingMs: number) => Promise<ProbeOutcome>, options: RetryOptions): Promise<ProbeOutcome> {
	const started = Date.now();
	const deadline = started + options.timeoutMs;
	let delay = options.initialDelayMs ?? 1000;
	const maxDelay = options.maxDelayMs ?? 15_000;
	for (let attempts = 1; ; attempts++) {
		options.signal?.throwIfAborted();
		const outcome = await attempt(Math.max(deadline - Date.now(), MIN_ATTEMPT_MS));
		// One attempt's time is the check's own (every front-end shows it): only retries are worth a tally.
		const tally = attempts === 1 ? undefined : `${attempts} attempts in ${formatDuration(Date.now() - started)}`;
		if (outcome.status === 'pass') return tally ? {...outcome, detail: `${outcome.detail} (${tally})`} : outcome;
		const remaining = deadline - Date.now();
		if (!outcome.retryable || remaining <= 0) {
			const limit = outcome.retryable ? `gave up after ${formatDuration(options.timeoutMs)}` : undefined;
			const why = [tally, limit].filter(Boolean).join('; ');
			return {...outcome, retryable: false, detail: why ? `${outcome.detail} (${why})` : outcome.detail};
		}
		const wait = Math.min(delay, remaining);
		options.onRetry?.(`${outcome.detail}; attempt ${attempts}, retrying in ${formatDuration(wait)} (${formatDuration(remaining)} left)`);
		await sleep(wait, undefined, {signal: options.signal});
		delay = Math.min(delay * 2, maxDelay);
	}
}
