import type {AccountConfig} from './schema';

export type MetricsConfig = {backend: 'cloudwatch'; namespace: string; metricName?: string} | {backend: 'librato'; source?: string};

export type MetricsBackend = MetricsConfig['backend'];

export interface LogsConfig {
	backend: 'sumologic';
	/** The Search Job API of the account's deployment, e.g. https://api.us2.sumologic.com. */
	api?: string;
	/** The scope that finds the rack's HTTP logs, e.g. `_sourceCategory=aws/dev/logspout`. */
	query?: string;
	/** The search page an operator opens to check by hand. */
	searchUrl?: string;
}

const DEFAULT_METRICS_NAMESPACE = 'CWAgent';

/** Where the account's metrics go: `metrics`, else the legacy `librato` key, else CloudWatch. */
export function metricsOf(account: Pick<AccountConfig, 'metrics' | 'librato'>): MetricsConfig {
	if (account.metrics?.backend === 'cloudwatch') return account.metrics;
	if (account.metrics?.backend === 'librato' || account.librato) {
		const source = account.metrics?.backend === 'librato' ? (account.metrics.source ?? account.librato?.source) : account.librato?.source;
		return {backend: 'librato', ...(source ? {source} : {})};
	}
	return {backend: 'cloudwatch', namespace: DEFAULT_METRICS_NAMESPACE};
}

/** Where the account's logs are searched: `logs`, with the legacy `sumologic.searchUrl` as its search page. */
export function logsOf(account: Pick<AccountConfig, 'logs' | 'sumologic'>): LogsConfig {
	const searchUrl = account.logs?.searchUrl ?? account.sumologic?.searchUrl;
	return {
		backend: 'sumologic',
		...(account.logs?.api ? {api: account.logs.api} : {}),
		...(account.logs?.query ? {query: account.logs.query} : {}),
		...(searchUrl ? {searchUrl} : {}),
	};
}
