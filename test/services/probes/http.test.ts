import {afterEach, describe, expect, it} from 'vitest';
import {probeHttp} from '../../../source/services/probes/http';
import {reply, serve, type Loopback} from '../../support/loopback';

let server: Loopback | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

const quick = {initialDelayMs: 20, maxDelayMs: 100};

describe('probeHttp', () => {
	it('passes on the first 200 and shows the status, latency and time', async () => {
		server = await serve((_request, response) => reply(response, 200, 'Hello World'));
		const outcome = await probeHttp(`${server.url}/`, {}, {timeoutMs: 2000, ...quick});
		expect(outcome.status).toBe('pass');
		expect(outcome.detail, 'one attempt: its latency is the time, told once').toMatch(
			/^HTTP 200 from http:\/\/127\.0\.0\.1:\d+\/ in \d+ ms$/,
		);
		expect(server.requests).toHaveLength(1);
	});

	it('retries a 503 until the app answers 200, counting the attempts', async () => {
		server = await serve((_request, response, index) => reply(response, index < 2 ? 503 : 200));
		const retries: string[] = [];
		const outcome = await probeHttp(`${server.url}/`, {}, {timeoutMs: 5000, ...quick, onRetry: detail => retries.push(detail)});
		expect(outcome.status).toBe('pass');
		expect(outcome.detail).toMatch(/HTTP 200 .* \(3 attempts in /);
		expect(retries).toHaveLength(2);
		expect(retries[0]).toMatch(/^HTTP 503 from http:\/\/127\.0\.0\.1:\d+\/ in \d+ ms \(expected 2xx\); attempt 1, retrying in/);
	});

	it('fails after the bounded time when the app never answers 2xx', async () => {
		server = await serve((_request, response) => reply(response, 503, 'Service Unavailable'));
		const started = Date.now();
		const outcome = await probeHttp(`${server.url}/`, {}, {timeoutMs: 600, ...quick});
		const elapsed = Date.now() - started;
		expect(outcome.status).toBe('fail');
		expect(outcome.detail).toMatch(/^HTTP 503 .*expected 2xx\) \(\d+ attempts in .*; gave up after 600 ms\)$/);
		expect(elapsed).toBeGreaterThanOrEqual(550);
		expect(elapsed).toBeLessThan(3000);
		expect(server.requests.length).toBeGreaterThan(2);
	});

	it('names a refused connection', async () => {
		server = await serve((_request, response) => reply(response, 200));
		const {url} = server;
		await server.close();
		server = undefined;
		const outcome = await probeHttp(`${url}/`, {}, {timeoutMs: 200, ...quick});
		expect(outcome.status).toBe('fail');
		expect(outcome.detail).toMatch(/no answer from http:\/\/127\.0\.0\.1:\d+\/: ECONNREFUSED/);
	});

	it('stops retrying when the run is interrupted', async () => {
		server = await serve((_request, response) => reply(response, 503));
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 150);
		await expect(probeHttp(`${server.url}/`, {}, {timeoutMs: 10_000, initialDelayMs: 1000, signal: controller.signal})).rejects.toThrow();
	});
});

describe('probeHttp with expectations', () => {
	it('judges an exact status and a body text, retrying a wrong answer until the time is up', async () => {
		server = await serve((request, response) =>
			request.url === '/gone' ? reply(response, 410, 'gone') : reply(response, 200, 'status: ok'),
		);
		const retries: string[] = [];
		const options = {timeoutMs: 150, initialDelayMs: 50, onRetry: (detail: string) => retries.push(detail)};
		expect((await probeHttp(`${server.url}/gone`, {expectStatus: 410}, options)).status).toBe('pass');
		expect((await probeHttp(`${server.url}/`, {expectBody: 'ok'}, options)).status).toBe('pass');
		expect(retries).toEqual([]);
		const wrongBody = await probeHttp(`${server.url}/`, {expectBody: 'healthy'}, options);
		expect(wrongBody.status).toBe('fail');
		expect(wrongBody.detail).toContain('the body lacks "healthy"');
		expect(retries.length).toBeGreaterThan(0);
		const wrongStatus = await probeHttp(`${server.url}/`, {expectStatus: 204}, options);
		expect(wrongStatus.detail).toMatch(/HTTP 200 .*\(expected 204\)/);
	});
});
