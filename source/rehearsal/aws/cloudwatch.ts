import {AwsError, type InstanceRecord, type MetricDatumRecord} from './model';
import type {StandInState} from './state';

/** What running instances publish on their own, as the AMI's CloudWatch agent relays collectd. */
export interface InstanceMetricsFeed {
	/** How long after its launch an instance's first datapoint arrives. */
	delayMs: number;
	/** Instances that never report. */
	silentInstances: string[];
	/** Stacks of which one running instance (the first by id) never reports, whichever instances they run then. */
	silentStacks?: string[];
}

/** The instances that publish nothing: those named, and the first running one of each silent stack. */
function silencedBy(instances: InstanceRecord[], feed: InstanceMetricsFeed): Set<string> {
	const silent = new Set(feed.silentInstances);
	for (const stackName of feed.silentStacks ?? []) {
		const first = instances
			.filter(instance => instance.stackName === stackName && instance.state === 'running')
			.map(instance => instance.instanceId)
			.sort()[0];
		if (first) silent.add(first);
	}
	return silent;
}

export interface CloudWatchSettings {
	/** Undefined: instances publish nothing by themselves. */
	feed?: InstanceMetricsFeed;
	/** Datapoints per GetMetricData page before a NextToken (CloudWatch: 100,800). */
	datapointsPerPage: number;
	/** SEARCH expressions as an emulator without search takes them: they find nothing, or are refused. */
	search?: 'empty' | 'refused';
	now: Date;
}

type Handler = (state: StandInState, input: Record<string, unknown>, settings: CloudWatchSettings) => object;

interface Search {
	namespace?: string;
	metricName?: string;
	dimensions: Record<string, string>;
	/** A braces schema's dimension names: a metric matches only with exactly these dimensions. */
	schema?: string[];
	statistic: (values: number[]) => number;
	periodMs: number;
	/** A MetricStat names one metric: a datum matches only with exactly its dimensions. */
	exact?: boolean;
}

interface MetricStatQuery {
	Metric?: {Namespace?: string; MetricName?: string; Dimensions?: Array<{Name?: string; Value?: string}>};
	Period?: number;
	Stat?: string;
}

interface Series {
	label: string;
	points: Array<{time: number; value: number}>;
}

const FEED_NAMESPACE = 'CWAgent';
const FEED_METRIC = 'collectd_cpu_value';
const MINUTE = 60_000;

const statistics: Record<string, (values: number[]) => number> = {
	SampleCount: values => values.length,
	Sum: values => values.reduce((sum, value) => sum + value, 0),
	Average: values => values.reduce((sum, value) => sum + value, 0) / values.length,
	Minimum: values => Math.min(...values),
	Maximum: values => Math.max(...values),
};

const SEARCH = /^SEARCH\(\s*'([^']*)'\s*,\s*'(\w+)'\s*,\s*(\d+)\s*\)$/;

function parseSearch(expression: string): Search {
	const match = SEARCH.exec(expression.trim());
	const statistic = match ? statistics[match[2]!] : undefined;
	if (!match || !statistic) {
		throw new AwsError(
			'ValidationError',
			`The stand-in answers only SEARCH('<namespace> Name="value"…', '<statistic>', <period>) expressions, got ${expression}`,
		);
	}

	const search: Search = {dimensions: {}, statistic, periodMs: Number(match[3]) * 1000};
	for (const [, schema, name, value, quoted, bare] of match[1]!.matchAll(/\{([^}]*)\}|(\w+)="([^"]*)"|"([^"]*)"|(\S+)/g)) {
		if (schema !== undefined) {
			const [namespace, ...names] = schema.split(',').map(part => part.trim().replace(/^"|"$/g, ''));
			search.namespace = namespace;
			search.schema = names;
		} else if (name === 'MetricName') search.metricName = value;
		else if (name !== undefined) search.dimensions[name] = value!;
		else search.namespace = quoted ?? bare;
	}

	return search;
}

/** A MetricStat query as the search for exactly its metric. */
function metricStatSearch(stat: MetricStatQuery): Search {
	const statistic = statistics[stat.Stat ?? ''];
	if (!statistic || !stat.Metric?.MetricName)
		throw new AwsError('ValidationError', 'A MetricStat needs a Metric with a MetricName and a Stat.');
	const dimensions = Object.fromEntries((stat.Metric.Dimensions ?? []).map(dimension => [dimension.Name ?? '', dimension.Value ?? '']));
	return {
		...(stat.Metric.Namespace ? {namespace: stat.Metric.Namespace} : {}),
		metricName: stat.Metric.MetricName,
		dimensions,
		statistic,
		periodMs: (stat.Period ?? 60) * 1000,
		exact: true,
	};
}

function matchesSearch(datum: MetricDatumRecord, search: Search): boolean {
	const names = Object.keys(datum.dimensions);
	if (search.exact && names.length !== Object.keys(search.dimensions).length) return false;
	return (
		(search.namespace === undefined || datum.namespace === search.namespace) &&
		(search.metricName === undefined || datum.metricName === search.metricName) &&
		Object.entries(search.dimensions).every(([name, value]) => datum.dimensions[name] === value) &&
		(search.schema === undefined || (names.length === search.schema.length && search.schema.every(name => names.includes(name))))
	);
}

function fedByInstances(instances: InstanceRecord[], feed: InstanceMetricsFeed, start: number, until: number): MetricDatumRecord[] {
	const silent = silencedBy(instances, feed);
	return instances.filter(instance => !silent.has(instance.instanceId)).flatMap(instance => fedDatapoints(instance, feed, start, until));
}

/** One datapoint a minute from `delayMs` after the instance's launch, within the window and not after `until`. */
function fedDatapoints(instance: InstanceRecord, feed: InstanceMetricsFeed, start: number, until: number): MetricDatumRecord[] {
	if (instance.state !== 'running') return [];
	const first = Date.parse(instance.launchTime) + feed.delayMs;
	const dimensions = {
		InstanceId: instance.instanceId,
		host: `ip-${instance.privateIpAddress.replaceAll('.', '-')}.ec2.internal`,
		type: 'percent',
		type_instance: 'user',
		instance: '0',
	};
	const points: MetricDatumRecord[] = [];
	for (let time = first + Math.max(0, Math.ceil((start - first) / MINUTE)) * MINUTE; time <= until; time += MINUTE) {
		points.push({namespace: FEED_NAMESPACE, metricName: FEED_METRIC, dimensions, timestamp: new Date(time).toISOString(), value: 2.5});
	}

	return points;
}

/** The matching datapoints in [start, end), per metric and dimensions, aggregated per period. */
function searchSeries(datapoints: MetricDatumRecord[], search: Search, start: number, end: number): Series[] {
	const series = new Map<string, {label: string; buckets: Map<number, number[]>}>();
	for (const datum of datapoints) {
		const time = Date.parse(datum.timestamp);
		if (time < start || time >= end || !matchesSearch(datum, search)) continue;
		const dimensions = Object.entries(datum.dimensions).sort(([a], [b]) => a.localeCompare(b));
		const key = JSON.stringify([datum.namespace, datum.metricName, dimensions]);
		let entry = series.get(key);
		if (!entry) {
			entry = {label: [datum.metricName, ...dimensions.map(([, value]) => value)].join(' '), buckets: new Map()};
			series.set(key, entry);
		}

		const bucket = Math.floor(time / search.periodMs) * search.periodMs;
		entry.buckets.set(bucket, [...(entry.buckets.get(bucket) ?? []), datum.value]);
	}

	return [...series.values()].map(({label, buckets}) => ({
		label,
		points: [...buckets].sort(([a], [b]) => b - a).map(([time, values]) => ({time, value: search.statistic(values)})),
	}));
}

/** What was published by PutMetricData, and what the running instances publish by themselves between `start` and `until`. */
function datapointsOf(state: StandInState, settings: CloudWatchSettings, start: number, until: number): MetricDatumRecord[] {
	return [...(state.data.metrics ?? []), ...(settings.feed ? fedByInstances(state.data.instances, settings.feed, start, until) : [])];
}

const seconds = (value: unknown, fallback: number): number => (typeof value === 'number' ? value * 1000 : fallback);

/** CloudWatch's awsJson1_0 protocol (`X-Amz-Target: GraniteServiceVersion20100801.<Action>`), answered from the stand-in's datapoints. */
export const cloudWatchHandlers: Record<string, Handler> = {
	PutMetricData(state, input, settings) {
		const namespace = typeof input.Namespace === 'string' ? input.Namespace : '';
		if (!namespace) throw new AwsError('MissingParameter', 'The parameter Namespace must be specified.');
		const metrics = (state.data.metrics ??= []);
		const data = (input.MetricData ?? []) as Array<{
			MetricName?: string;
			Dimensions?: Array<{Name?: string; Value?: string}>;
			Timestamp?: number;
			Value?: number;
			Values?: number[];
		}>;
		for (const datum of data) {
			const dimensions = Object.fromEntries((datum.Dimensions ?? []).map(dimension => [dimension.Name ?? '', dimension.Value ?? '']));
			const timestamp = new Date(seconds(datum.Timestamp, settings.now.getTime())).toISOString();
			for (const value of datum.Values ?? (datum.Value === undefined ? [] : [datum.Value])) {
				metrics.push({namespace, metricName: datum.MetricName ?? '', dimensions, timestamp, value});
			}
		}

		state.commit();
		return {};
	},

	GetMetricData(state, input, settings) {
		const now = settings.now.getTime();
		const start = seconds(input.StartTime, now);
		const end = seconds(input.EndTime, now);
		const datapoints = datapointsOf(state, settings, start, Math.min(end, now));
		const queries = (input.MetricDataQueries ?? []) as Array<{
			Id?: string;
			Expression?: string;
			MetricStat?: MetricStatQuery;
			Label?: string;
			ReturnData?: boolean;
		}>;
		const results = queries
			.filter(query => query.ReturnData !== false)
			.flatMap(query => {
				if (!query.MetricStat && settings.search === 'refused')
					throw new AwsError('ValidationError', `Unsupported expression: ${query.Expression ?? ''}`);
				const search = query.MetricStat ? metricStatSearch(query.MetricStat) : parseSearch(query.Expression ?? '');
				const found = query.MetricStat || settings.search !== 'empty' ? searchSeries(datapoints, search, start, end) : [];
				const series = found.length > 0 ? found : [{label: query.Label ?? query.Id ?? '', points: []}];
				return series.map(({label, points}) => ({
					Id: query.Id,
					Label: query.Label ?? label,
					Timestamps: points.map(point => point.time / 1000),
					Values: points.map(point => point.value),
					StatusCode: 'Complete',
				}));
			});
		const from = Number(input.NextToken ?? 0);
		let until = from;
		for (let budget = settings.datapointsPerPage; until < results.length; until++) {
			budget -= results[until]!.Timestamps.length;
			if (budget < 0 && until > from) break;
		}

		return {
			MetricDataResults: results.slice(from, until),
			...(until < results.length ? {NextToken: String(until)} : {}),
			Messages: [],
		};
	},

	/** The metrics with a datapoint in the last two weeks (three hours with RecentlyActive), by namespace, name and dimensions. */
	ListMetrics(state, input, settings) {
		const now = settings.now.getTime();
		const since = now - (input.RecentlyActive === 'PT3H' ? 3 * 60 * MINUTE : 14 * 24 * 60 * MINUTE);
		const datapoints = datapointsOf(state, settings, since, now);
		const wanted = (input.Dimensions ?? []) as Array<{Name?: string; Value?: string}>;
		const metrics = new Map<string, {Namespace: string; MetricName: string; Dimensions: Array<{Name: string; Value: string}>}>();
		for (const datum of datapoints) {
			if (Date.parse(datum.timestamp) < since) continue;
			if (typeof input.Namespace === 'string' && datum.namespace !== input.Namespace) continue;
			if (typeof input.MetricName === 'string' && datum.metricName !== input.MetricName) continue;
			const matches = wanted.every(
				dimension =>
					dimension.Name !== undefined &&
					dimension.Name in datum.dimensions &&
					(dimension.Value === undefined || datum.dimensions[dimension.Name] === dimension.Value),
			);
			if (!matches) continue;
			const dimensions = Object.entries(datum.dimensions)
				.sort(([a], [b]) => a.localeCompare(b))
				.map(([Name, Value]) => ({Name, Value}));
			metrics.set(JSON.stringify([datum.namespace, datum.metricName, dimensions]), {
				Namespace: datum.namespace,
				MetricName: datum.metricName,
				Dimensions: dimensions,
			});
		}

		return {Metrics: [...metrics.values()]};
	},
};
