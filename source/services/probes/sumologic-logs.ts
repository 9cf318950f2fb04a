import {randomBytes} from 'node:crypto';
import {describeFetchError} from './http';
import {fail, pass, type ProbeOutcome} from './outcome';
import {retryUntil, type RetryOptions} from './retry';
import {sumoLogicSearch, SumoLogicSearchError, type SumoLogicAccount} from './sumologic-search';
import {formatDuration} from '../../format-duration';

/** The query parameter that carries the marker to the hello-world app. */
export const MARKER_PARAMETER = 'convox-ami-marker';
const MARKER_TIMEOUT_MS = 10_000;
/** The search starts this long before the marker was sent, for clocks that disagree a little. */
const SEARCH_LEAD_MS = 60_000;

/**
 * A marker no other probe sends: `convox-ami-<run id or random>-<random>`. Lower-case letters, digits and
 * dashes only, so that it survives a URL and one quoted search term finds it.
 */
export function newMarker(runId?: string): string {
	const run = runId
		?.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '');
	return `convox-ami-${run || randomBytes(4).toString('hex')}-${randomBytes(6).toString('hex')}`;
}

/**
 * GETs the hello-world app with the marker in the query and in the user agent, so that the HTTP log line
 * logspout ships holds it. Answers when the request was sent; throws when the app did not answer 2xx.
 */
export async function sendMarker(helloWorldUrl: string, marker: string, signal?: AbortSignal): Promise<Date> {
	const url = new URL(helloWorldUrl);
	url.searchParams.set(MARKER_PARAMETER, marker);
	const timeout = AbortSignal.timeout(MARKER_TIMEOUT_MS);
	const sentAt = new Date();
	const response = await fetch(url, {
		signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
		headers: {'user-agent': `convox-ami checklist ${marker}`},
	});
	await response.arrayBuffer();
	if (!response.ok) throw new Error(`HTTP ${response.status}`);
	return sentAt;
}

export interface SumoLogicMarkerSearch extends SumoLogicAccount {
	/** Search terms for the rack's logs, e.g. `_sourceCategory=aws/dev/logspout`; the marker is added to them. */
	scope: string;
	marker: string;
	/** When the marker request was sent. */
	sentAt: Date;
	timeoutMs: number;
	signal?: AbortSignal;
	pollMs?: number;
	backoffMs?: number;
	/** The search job's state and count as it runs, for the checklist's pane. */
	onProgress?: (detail: string) => void;
}

/**
 * One search job for the marker, received from a minute before it was sent until now. Found passes; none yet,
 * and searches that did not finish, are retryable; refused credentials and a wrong deployment fail for good.
 */
export async function sumoLogicMarkerAttempt(search: SumoLogicMarkerSearch): Promise<ProbeOutcome> {
	try {
		const {messageCount} = await sumoLogicSearch({
			api: search.api,
			accessId: search.accessId,
			accessKey: search.accessKey,
			query: [search.scope.trim(), `"${search.marker}"`].filter(Boolean).join(' '),
			from: new Date(search.sentAt.getTime() - SEARCH_LEAD_MS),
			to: new Date(),
			timeoutMs: search.timeoutMs,
			signal: search.signal,
			pollMs: search.pollMs,
			backoffMs: search.backoffMs,
			onProgress: search.onProgress,
		});
		if (messageCount === 0) return fail(`no log line with marker ${search.marker} yet; search job DONE GATHERING RESULTS`, true);
		const lines = messageCount === 1 ? '1 log line' : `${messageCount} log lines`;
		return pass(`${lines} with marker ${search.marker} found by SumoLogic in ${formatDuration(Date.now() - search.sentAt.getTime())}`);
	} catch (error) {
		if (error instanceof SumoLogicSearchError) return fail(error.message, error.retryable);
		throw error;
	}
}

export interface SumoLogicLogsProbe extends SumoLogicAccount {
	scope: string;
	/** The rack's hello-world URL, behind its load balancer. */
	helloWorldUrl: string;
	/** Default: a fresh `newMarker()`. */
	marker?: string;
	pollMs?: number;
	backoffMs?: number;
	onProgress?: (detail: string) => void;
}

/**
 * Do HTTP logs show up in SumoLogic? Sends one marked request to hello-world (again until it is taken), then
 * searches for it with a new job per attempt until found, failed for good, or out of time.
 */
export function probeSumoLogicLogs(probe: SumoLogicLogsProbe, retry: RetryOptions): Promise<ProbeOutcome> {
	const marker = probe.marker ?? newMarker();
	let sentAt: Date | undefined;
	return retryUntil(async remainingMs => {
		if (!sentAt) {
			try {
				sentAt = await sendMarker(probe.helloWorldUrl, marker, retry.signal);
			} catch (error) {
				retry.signal?.throwIfAborted();
				return fail(`hello-world at ${probe.helloWorldUrl} did not take the marker request: ${describeFetchError(error)}`, true);
			}
		}
		return sumoLogicMarkerAttempt({...probe, marker, sentAt, timeoutMs: remainingMs, signal: retry.signal});
	}, retry);
}
