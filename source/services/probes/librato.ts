import {describeFetchError} from './http';
import {backendGone, fail, pass, type ProbeOutcome} from './outcome';
import {formatDuration} from '../../core/format-duration';

const LIBRATO_METRIC = 'collectd.cpu.percent.user';
/** Network errors that mean nothing answers at that name: Librato's end of service, not a passing fault. */
const GONE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EAI_NONAME']);
export const LIBRATO_END_OF_SERVICE =
	'Librato (SolarWinds AppOptics) reached its end of service on 2026-01-31; move the metrics to CloudWatch: "metrics": {"backend": "cloudwatch"} in the account and metrics_backend=cloudwatch in the template';
export const DEFAULT_LIBRATO_API_URL = 'https://metrics-api.librato.com';

export interface LibratoQuery {
	apiUrl: string;
	email: string;
	token: string;
	source?: string;
	/** Measurements must be newer than this (the stack update's completion). */
	since: Date;
	timeoutMs: number;
	signal?: AbortSignal;
}

/** The metric's page in Librato's web UI, for an operator to look at by hand. */
export function libratoMetricPage(source?: string): string {
	const url = new URL(`https://metrics.librato.com/s/metrics/${LIBRATO_METRIC}`);
	if (source) url.searchParams.set('source', source);
	return url.toString();
}

/**
 * One query of the metric. Looks an hour further back than `since` so that an old measurement
 * can be told apart from none at all. Refused credentials fail for good; missing or stale data
 * may still arrive, so those are retryable.
 */
export async function libratoAttempt(query: LibratoQuery): Promise<ProbeOutcome> {
	const url = new URL(`${query.apiUrl.replace(/\/+$/, '')}/v1/measurements/${LIBRATO_METRIC}`);
	url.searchParams.set('resolution', '60');
	url.searchParams.set('start_time', String(Math.floor(query.since.getTime() / 1000) - 3600));
	if (query.source) url.searchParams.set('source', query.source);
	const where = query.source ? ` from source ${query.source}` : '';
	const timeout = AbortSignal.timeout(Math.min(query.timeoutMs, 15_000));
	const signal = query.signal ? AbortSignal.any([query.signal, timeout]) : timeout;
	let response: Response;
	let text: string;
	try {
		response = await fetch(url, {
			signal,
			headers: {
				authorization: `Basic ${Buffer.from(`${query.email}:${query.token}`).toString('base64')}`,
				accept: 'application/json',
			},
		});
		text = await response.text();
	} catch (error) {
		query.signal?.throwIfAborted();
		const reason = describeFetchError(error);
		if (GONE.has(reason)) return backendGone(`Librato API at ${url.origin} is unreachable (${reason}). ${LIBRATO_END_OF_SERVICE}.`);
		return fail(`Librato API at ${url.origin} did not answer: ${reason}`, true);
	}
	if (response.status === 401 || response.status === 403) {
		return fail(`Librato refused the credentials (HTTP ${response.status}): check LIBRATO_EMAIL and LIBRATO_TOKEN`);
	}
	if (response.status === 404) return fail(`no ${LIBRATO_METRIC} metric in Librato yet (HTTP 404)`, true);
	if (!response.ok) return fail(`Librato API answered HTTP ${response.status}`, true);
	let times: number[];
	try {
		times = measurementTimes(JSON.parse(text));
	} catch {
		return fail(`Librato API answered HTTP ${response.status} with a body that is not JSON`, true);
	}
	if (times.length === 0) return fail(`no ${LIBRATO_METRIC} measurements${where}`, true);
	const newest = Math.max(...times);
	const sinceSeconds = query.since.getTime() / 1000;
	const age = formatDuration(Date.now() - newest * 1000);
	const fresh = times.filter(time => time > sinceSeconds).length;
	if (fresh === 0) {
		return fail(`${LIBRATO_METRIC}${where}: newest measurement ${age} old, before ${query.since.toISOString()}`, true);
	}
	return pass(`${fresh} ${LIBRATO_METRIC} measurements${where} since ${query.since.toISOString()}, newest ${age} old`);
}

/**
 * Measurement times (epoch seconds) in either shape the API has answered with: the tagged
 * `series[].measurements[].time` or the source-keyed `measurements[source][].measure_time`.
 */
function measurementTimes(body: unknown): number[] {
	const times: number[] = [];
	const record = (body ?? {}) as {series?: Array<{measurements?: Array<{time?: unknown}>}>; measurements?: unknown};
	for (const series of Array.isArray(record.series) ? record.series : []) {
		for (const point of series.measurements ?? []) if (typeof point.time === 'number') times.push(point.time);
	}
	if (record.measurements && typeof record.measurements === 'object' && !Array.isArray(record.measurements)) {
		for (const points of Object.values(record.measurements as Record<string, unknown>)) {
			if (!Array.isArray(points)) continue;
			for (const point of points as Array<{measure_time?: unknown}>)
				if (typeof point.measure_time === 'number') times.push(point.measure_time);
		}
	}
	return times;
}
