import {describeFetchError} from './http';
import {newMarker, sendMarker} from './sumologic-marker';
import {fail, pass, type ProbeOutcome} from './outcome';
import {retryUntil, type RetryOptions} from './retry';
import {sumoLogicSearch, SumoLogicSearchError, type SumoLogicAccount} from './sumologic-search';
import {formatDuration} from '../../core/format-duration';

/** The search starts this long before the marker was sent, for clocks that disagree a little. */
const SEARCH_LEAD_MS = 60_000;

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
async function sumoLogicMarkerAttempt(search: SumoLogicMarkerSearch): Promise<ProbeOutcome> {
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
