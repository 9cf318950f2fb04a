import {describe, expect, it} from 'vitest';
import {parseConfig} from '../../source/config/load-config';
import {logsOf, metricsOf} from '../../source/config/observability';
import {UsageError} from '../../source/core/errors';

const account = (extra: Record<string, unknown>) =>
	parseConfig({accounts: {dev: {accountId: '111111111111', stackName: 'convox-dev', ...extra}}}, 'test').accounts.dev!;

describe('metricsOf', () => {
	it('is CloudWatch in CWAgent when the account says nothing', () => {
		expect(metricsOf(account({}))).toEqual({backend: 'cloudwatch', namespace: 'CWAgent'});
	});

	it('takes the metrics key, with the namespace defaulted and a metric name kept', () => {
		expect(metricsOf(account({metrics: {backend: 'cloudwatch', metricName: 'collectd_cpu_value'}}))).toEqual({
			backend: 'cloudwatch',
			namespace: 'CWAgent',
			metricName: 'collectd_cpu_value',
		});
		expect(metricsOf(account({metrics: {backend: 'librato', source: 'aws.dev.*'}}))).toEqual({backend: 'librato', source: 'aws.dev.*'});
	});

	it('reads the legacy librato.source key as the Librato backend, exactly as before', () => {
		expect(metricsOf(account({librato: {source: 'aws.dev.*'}}))).toEqual({backend: 'librato', source: 'aws.dev.*'});
		expect(metricsOf(account({metrics: {backend: 'librato'}, librato: {source: 'aws.old.*'}}))).toEqual({
			backend: 'librato',
			source: 'aws.old.*',
		});
	});

	it('refuses the legacy librato key beside metrics of another backend, and an unknown backend', () => {
		expect(() => account({metrics: {backend: 'cloudwatch'}, librato: {source: 'aws.dev.*'}})).toThrow(
			/accounts\.dev\.librato: names Librato, but metrics\.backend is cloudwatch/,
		);
		expect(() => account({metrics: {backend: 'datadog'}})).toThrow(UsageError);
	});
});

describe('logsOf', () => {
	it('takes logs, with the legacy sumologic.searchUrl as its search page', () => {
		expect(logsOf(account({}))).toEqual({backend: 'sumologic'});
		expect(logsOf(account({sumologic: {searchUrl: 'https://service.sumologic.com/ui/#/search/x'}}))).toEqual({
			backend: 'sumologic',
			searchUrl: 'https://service.sumologic.com/ui/#/search/x',
		});
		expect(logsOf(account({logs: {api: 'https://api.us2.sumologic.com', query: '_sourceCategory=aws/dev/logspout'}}))).toEqual({
			backend: 'sumologic',
			api: 'https://api.us2.sumologic.com',
			query: '_sourceCategory=aws/dev/logspout',
		});
	});

	it('refuses two search pages, and an API that is not a URL', () => {
		expect(() => account({sumologic: {searchUrl: 'https://a.example.com/'}, logs: {searchUrl: 'https://b.example.com/'}})).toThrow(
			/accounts\.dev\.sumologic: the legacy sumologic\.searchUrl and logs\.searchUrl are both set/,
		);
		expect(() => account({logs: {api: 'api.us2.sumologic.com'}})).toThrow(/accounts\.dev\.logs\.api: expected an http\(s\) URL/);
	});
});
