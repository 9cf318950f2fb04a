import {
	GetMetricDataCommand,
	ListMetricsCommand,
	type CloudWatchClient,
	type Metric,
	type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {fail, pass, type ProbeOutcome} from './outcome';
import {errorName} from '../../core/errors';

/**
 * SEARCH expressions per GetMetricData call. CloudWatch takes 500 queries per call but documents at most
 * 100 search expressions on one graph: staying under the lower limit costs an extra call only past 100 instances.
 */
const SEARCHES_PER_CALL = 100;
/** Instances a SEARCH did not find that are looked up by ListMetrics in one attempt, and metrics read per instance. */
const LISTED_PER_ATTEMPT = 10;
const METRICS_PER_INSTANCE = 5;
/** How a service without SEARCH expressions (an emulator) refuses one. */
const SEARCH_REFUSED = new Set(['ValidationError', 'ValidationException', 'InvalidParameterValue', 'InvalidParameterCombination']);
const PERIOD_SECONDS = 60;
const THROTTLED = new Set(['Throttling', 'ThrottlingException']);
const REFUSED = new Set([
	'ExpiredToken',
	'ExpiredTokenException',
	'AccessDenied',
	'AccessDeniedException',
	'UnrecognizedClientException',
	'InvalidClientTokenId',
]);

export interface LaunchedInstance {
	id: string;
	launchedAt: Date;
}

export interface MetricsQuery {
	cloudwatch: CloudWatchClient;
	/** e.g. CWAgent, where the CloudWatch agent publishes what collectd sends it. */
	namespace: string;
	/** Any metric of the instance when omitted (e.g. collectd_cpu_value to narrow it). */
	metricName?: string;
	instances: LaunchedInstance[];
	now?: Date;
	signal?: AbortSignal;
}

export interface MetricsAttempt {
	/** Instances with a datapoint since their launch. */
	reported: string[];
	/** The others (every instance when CloudWatch did not answer). */
	missing: string[];
	outcome: ProbeOutcome;
	/** For a progress pane, e.g. `instances reported 3/4`; undefined when CloudWatch did not answer. */
	progress?: string;
}

/** A SEARCH by the InstanceId dimension: collectd's metrics carry more dimensions, so a braces schema would match none. */
function instanceSearch(namespace: string, instanceId: string, metricName?: string): string {
	const term = (value: string) => (/^\w+$/.test(value) ? value : `"${value}"`);
	const metric = metricName ? ` MetricName="${metricName}"` : '';
	return `SEARCH('${term(namespace)} InstanceId="${instanceId}"${metric}', 'SampleCount', ${PERIOD_SECONDS})`;
}

/** Which of `instances` a SEARCH per instance finds a datapoint for since its launch. */
async function reportedBySearch(query: MetricsQuery, start: Date, now: Date): Promise<Set<string>> {
	const {cloudwatch, namespace, metricName, instances, signal} = query;
	const reported = new Set<string>();
	for (let offset = 0; offset < instances.length; offset += SEARCHES_PER_CALL) {
		const chunk = instances.slice(offset, offset + SEARCHES_PER_CALL);
		const queries: MetricDataQuery[] = chunk.map((instance, index) => ({
			Id: `i${offset + index}`,
			Expression: instanceSearch(namespace, instance.id, metricName),
			ReturnData: true,
		}));
		for (const id of await reportingIds(cloudwatch, queries, instances, start, now, signal)) reported.add(id);
	}
	return reported;
}

/**
 * Which of `instances` publish, found through ListMetrics and read by MetricStat: for the instances a
 * SEARCH did not find, since a service without SEARCH expressions (an emulator) answers them empty.
 * On CloudWatch itself a new metric reaches ListMetrics minutes late, so this only ever adds.
 */
async function reportedByListing(query: MetricsQuery, candidates: LaunchedInstance[], start: Date, now: Date): Promise<Set<string>> {
	const {cloudwatch, namespace, metricName, instances, signal} = query;
	const listed = await Promise.all(
		candidates.map(async instance => {
			const answer = await cloudwatch.send(
				new ListMetricsCommand({
					Namespace: namespace,
					...(metricName ? {MetricName: metricName} : {}),
					Dimensions: [{Name: 'InstanceId', Value: instance.id}],
				}),
				{abortSignal: signal},
			);
			return (answer.Metrics ?? []).slice(0, METRICS_PER_INSTANCE).map(metric => ({instance, metric}));
		}),
	);
	const queries: MetricDataQuery[] = listed.flat().map(({instance, metric}: {instance: LaunchedInstance; metric: Metric}, index) => ({
		Id: `m${instances.indexOf(instance)}_${index}`,
		MetricStat: {Metric: metric, Period: PERIOD_SECONDS, Stat: 'SampleCount'},
		ReturnData: true,
	}));
	return queries.length === 0 ? new Set() : new Set(await reportingIds(cloudwatch, queries, instances, start, now, signal));
}

/** Runs `queries` (pages followed); the instances (by the index in a query's id) with a datapoint whose minute ends after their launch. */
async function reportingIds(
	cloudwatch: CloudWatchClient,
	queries: MetricDataQuery[],
	instances: LaunchedInstance[],
	start: Date,
	now: Date,
	signal?: AbortSignal,
): Promise<string[]> {
	const found: string[] = [];
	let nextToken: string | undefined;
	do {
		const page = await cloudwatch.send(
			new GetMetricDataCommand({MetricDataQueries: queries, StartTime: start, EndTime: now, ...(nextToken ? {NextToken: nextToken} : {})}),
			{abortSignal: signal},
		);
		for (const result of page.MetricDataResults ?? []) {
			const instance = instances[Number(/^[im](\d+)/.exec(result.Id ?? '')?.[1])];
			// A datapoint stands for its whole minute: one whose minute ends after the launch is the instance's.
			const since = (instance?.launchedAt.getTime() ?? Infinity) - PERIOD_SECONDS * 1000;
			if (instance && result.Timestamps?.some(time => time.getTime() > since)) found.push(instance.id);
		}
		nextToken = page.NextToken;
	} while (nextToken);
	return found;
}

/**
 * One look at which instances have published to the namespace since they launched: one GetMetricData
 * call (pages followed) per 100 instances, then, for up to 10 instances it did not find, their metrics
 * by ListMetrics read by MetricStat. Missing instances and throttling are retryable; refused or expired
 * credentials fail for good.
 */
export async function cloudWatchMetricsAttempt(query: MetricsQuery): Promise<MetricsAttempt> {
	const {namespace, metricName, instances, signal} = query;
	const ids = instances.map(instance => instance.id);
	if (instances.length === 0) {
		return {reported: [], missing: [], outcome: fail(`no running instances to look for in ${namespace}`)};
	}

	const now = query.now ?? new Date();
	const start = new Date(Math.min(...instances.map(instance => instance.launchedAt.getTime())) - PERIOD_SECONDS * 1000);
	let reported: Set<string>;
	let searchRefused = false;
	try {
		reported = await reportedBySearch(query, start, now);
	} catch (error) {
		signal?.throwIfAborted();
		if (!SEARCH_REFUSED.has(errorName(error))) return {reported: [], missing: ids, outcome: judgeError(error)};
		reported = new Set();
		searchRefused = true;
	}
	const unfound = instances.filter(instance => !reported.has(instance.id)).slice(0, LISTED_PER_ATTEMPT);
	if (unfound.length > 0) {
		try {
			for (const id of await reportedByListing(query, unfound, start, now)) reported.add(id);
		} catch (error) {
			signal?.throwIfAborted();
			// The listing only adds to what SEARCH found; it decides only when SEARCH itself was refused.
			if (searchRefused) return {reported: [], missing: ids, outcome: judgeError(error, ['ListMetrics', 'GetMetricData'])};
		}
	}

	const missing = ids.filter(id => !reported.has(id));
	const progress = `instances reported ${reported.size}/${ids.length}`;
	const found = ids.filter(id => reported.has(id));
	if (missing.length === 0) {
		const what = metricName ? `${metricName} to ${namespace}` : `to ${namespace}`;
		return {reported: found, missing, progress, outcome: pass(`${ids.length} of ${ids.length} instances published ${what} since launch`)};
	}

	const named = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ', …' : '');
	return {
		reported: found,
		missing,
		progress,
		outcome: fail(`${found.length} of ${ids.length} instances reported; not yet: ${named}`, true),
	};
}

/** What CloudWatch's answer means for the check; `calls`, the API calls that may have made it. */
function judgeError(error: unknown, calls: string[] = ['GetMetricData']): ProbeOutcome {
	const {name, message} = error instanceof Error ? error : {name: 'Error', message: String(error)};
	const status = (error as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode;
	const what = calls.join(' or ');
	if (THROTTLED.has(name) || status === 429) return fail(`CloudWatch throttled ${what} (${name})`, true);
	if (REFUSED.has(name) || status === 403) {
		return fail(
			`CloudWatch refused ${what} (${name}: ${message}): the credentials must be current and allow ${calls.map(call => `cloudwatch:${call}`).join(' and ')}; sign in again or grant it`,
		);
	}

	if (status === undefined) return fail(`CloudWatch did not answer: ${message}`, true);
	return fail(`CloudWatch ${what} failed (${name}, HTTP ${status}): ${message}`, status >= 500);
}
