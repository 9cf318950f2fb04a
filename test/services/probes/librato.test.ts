import {afterEach, describe, expect, it} from 'vitest';
import {libratoAttempt, libratoMetricPage} from '../../../source/services/probes/librato';
import {retryUntil} from '../../../source/services/probes/retry';
import {reply, serve, type Loopback} from '../../support/loopback';

const EMAIL = 'ops@example.com';
const TOKEN = 'librato-token-0123456789abcdef';

let server: Loopback | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

const now = () => Math.floor(Date.now() / 1000);
const series = (...times: number[]) => ({
	name: 'collectd.cpu.percent.user',
	resolution: 60,
	series: [{tags: {source: 'ip-10-0-1-12.aws.dev'}, measurements: times.map(time => ({time, value: 3.5}))}],
});

function query(since: Date) {
	return {apiUrl: server!.url, email: EMAIL, token: TOKEN, source: 'aws.dev.*', since, timeoutMs: 2000};
}

describe('libratoAttempt', () => {
	it('passes with measurements newer than the update and sends the query Librato expects', async () => {
		server = await serve((_request, response) => reply(response, 200, series(now() - 900, now() - 60, now() - 30)));
		const since = new Date(Date.now() - 300_000);
		const outcome = await libratoAttempt(query(since));
		expect(outcome.status).toBe('pass');
		expect(outcome.detail).toMatch(/^2 collectd\.cpu\.percent\.user measurements from source aws\.dev\.\* since .*, newest \d+\.\d s old$/);
		const request = server.requests[0]!;
		const url = new URL(request.url!, server.url);
		expect(url.pathname).toBe('/v1/measurements/collectd.cpu.percent.user');
		expect(url.searchParams.get('resolution')).toBe('60');
		expect(url.searchParams.get('source')).toBe('aws.dev.*');
		expect(Number(url.searchParams.get('start_time'))).toBe(Math.floor(since.getTime() / 1000) - 3600);
		expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`);
	});

	it('reads the source-keyed measurements shape too, and takes an answer without measurements for none yet', async () => {
		const answers: unknown[] = [
			{measurements: {'aws.dev.a': [{measure_time: now() - 900}], 'aws.dev.b': [{measure_time: now() - 20}]}},
			{},
			null,
		];
		server = await serve((_request, response) => reply(response, 200, answers.shift()));
		const since = new Date(Date.now() - 300_000);
		expect((await libratoAttempt(query(since))).detail).toMatch(
			/^1 collectd\.cpu\.percent\.user measurements from source aws\.dev\.\* since /,
		);
		for (let empty = 0; empty < 2; empty++) {
			expect(await libratoAttempt(query(since))).toEqual({
				status: 'fail',
				retryable: true,
				detail: 'no collectd.cpu.percent.user measurements from source aws.dev.*',
			});
		}
	});

	it('fails (retryable) on stale measurements, naming their age and the update time', async () => {
		server = await serve((_request, response) => reply(response, 200, series(now() - 1800, now() - 1200)));
		const since = new Date(Date.now() - 600_000);
		const outcome = await libratoAttempt(query(since));
		expect(outcome).toMatchObject({status: 'fail', retryable: true});
		expect(outcome.detail).toMatch(/^collectd\.cpu\.percent\.user from source aws\.dev\.\*: newest measurement 20m0[01]s old, before /);
		expect(outcome.detail.endsWith(`before ${since.toISOString()}`)).toBe(true);
	});

	it('fails (retryable) when there are no measurements', async () => {
		server = await serve((_request, response) => reply(response, 200, {name: 'collectd.cpu.percent.user', series: []}));
		const outcome = await libratoAttempt(query(new Date()));
		expect(outcome).toMatchObject({
			status: 'fail',
			retryable: true,
			detail: 'no collectd.cpu.percent.user measurements from source aws.dev.*',
		});
	});

	it('fails for good on bad credentials with a clear message that never shows the secrets', async () => {
		server = await serve((_request, response) => reply(response, 401, {errors: {request: ['Authorization Required']}}));
		const outcome = await retryUntil(remaining => libratoAttempt({...query(new Date()), timeoutMs: remaining}), {
			timeoutMs: 5000,
			initialDelayMs: 10,
		});
		expect(outcome.status).toBe('fail');
		expect(outcome.detail).toMatch(/^Librato refused the credentials \(HTTP 401\): check LIBRATO_EMAIL and LIBRATO_TOKEN/);
		expect(outcome.detail).not.toContain(TOKEN);
		expect(outcome.detail).not.toContain(EMAIL);
		expect(server.requests).toHaveLength(1);
	});

	it('keeps retrying until fresh measurements arrive', async () => {
		const since = new Date(Date.now() - 1000);
		server = await serve((_request, response, index) => reply(response, 200, index === 0 ? series() : series(now())));
		const outcome = await retryUntil(remaining => libratoAttempt({...query(since), timeoutMs: remaining}), {
			timeoutMs: 5000,
			initialDelayMs: 10,
		});
		expect(outcome.status).toBe('pass');
		expect(outcome.detail).toContain('(2 attempts in');
	});
});

describe('libratoMetricPage', () => {
	it('fails at once, for good and as the backend’s fault, when the API no longer resolves, naming Librato’s end of service', async () => {
		const started = Date.now();
		const outcome = await retryUntil(
			() => libratoAttempt({email: EMAIL, token: TOKEN, timeoutMs: 2000, apiUrl: 'http://metrics-api.librato.invalid', since: new Date()}),
			{timeoutMs: 300_000, initialDelayMs: 1000},
		);
		expect(outcome).toMatchObject({status: 'fail', retryable: false, fault: 'backend'});
		expect(outcome.detail).toMatch(
			/^Librato API at http:\/\/metrics-api\.librato\.invalid is unreachable \((ENOTFOUND|EAI_AGAIN|EAI_NONAME)\)/,
		);
		expect(outcome.detail).toContain('reached its end of service on 2026-01-31');
		expect(Date.now() - started).toBeLessThan(20_000);
	});

	it('fails at once as the backend’s fault when nothing listens at the API', async () => {
		server = await serve((_request, response) => reply(response, 200, series()));
		const closed = server.url;
		await server.close();
		server = undefined;
		const outcome = await libratoAttempt({email: EMAIL, token: TOKEN, timeoutMs: 2000, apiUrl: closed, since: new Date()});
		expect(outcome).toMatchObject({status: 'fail', retryable: false, fault: 'backend'});
		expect(outcome.detail).toContain('ECONNREFUSED');
	});

	it('links to the metric filtered by the source', () => {
		expect(libratoMetricPage('aws.dev.*')).toBe('https://metrics.librato.com/s/metrics/collectd.cpu.percent.user?source=aws.dev.*');
		expect(libratoMetricPage()).toBe('https://metrics.librato.com/s/metrics/collectd.cpu.percent.user');
	});
});
