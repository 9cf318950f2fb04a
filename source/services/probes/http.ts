import {fail, pass, type ProbeOutcome} from './outcome';
import {retryUntil, type RetryOptions} from './retry';
import {formatDuration} from '../../core/format-duration';

export interface HttpExpectation {
	/** Exact status expected; any 2xx when absent. */
	expectStatus?: number;
	/** Text the body must contain. */
	expectBody?: string;
}

const ATTEMPT_TIMEOUT_MS = 10_000;

/** One GET of `url`, judged against the expectation. Every failure is retryable: a service may still be coming up. */
async function httpAttempt(
	url: string,
	expectation: HttpExpectation,
	options: {timeoutMs: number; signal?: AbortSignal},
): Promise<ProbeOutcome> {
	const timeout = AbortSignal.timeout(Math.min(options.timeoutMs, ATTEMPT_TIMEOUT_MS));
	const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
	const started = performance.now();
	let response: Response;
	let body: string;
	try {
		response = await fetch(url, {signal, redirect: 'follow', headers: {'user-agent': 'convox-ami checklist'}});
		body = await response.text();
	} catch (error) {
		options.signal?.throwIfAborted();
		return fail(`no answer from ${url}: ${describeFetchError(error)}`, true);
	}
	const latency = formatDuration(performance.now() - started);
	const statusOk = expectation.expectStatus === undefined ? response.ok : response.status === expectation.expectStatus;
	const wanted = expectation.expectStatus === undefined ? '2xx' : String(expectation.expectStatus);
	if (!statusOk) return fail(`HTTP ${response.status} from ${url} in ${latency} (expected ${wanted})`, true);
	if (expectation.expectBody !== undefined && !body.includes(expectation.expectBody)) {
		return fail(`HTTP ${response.status} from ${url} in ${latency}, but the body lacks ${JSON.stringify(expectation.expectBody)}`, true);
	}
	return pass(`HTTP ${response.status} from ${url} in ${latency}`);
}

/** GET `url` until it answers as expected or the time runs out. */
export function probeHttp(url: string, expectation: HttpExpectation, retry: RetryOptions): Promise<ProbeOutcome> {
	return retryUntil(remaining => httpAttempt(url, expectation, {timeoutMs: remaining, signal: retry.signal}), retry);
}

export function describeFetchError(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	if (error.name === 'TimeoutError') return 'timed out';
	const cause = (error as Error & {cause?: {code?: string; message?: string}}).cause;
	return cause?.code ?? cause?.message ?? error.message;
}
