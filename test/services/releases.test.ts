import {readFileSync} from 'node:fs';
import {afterEach, describe, expect, it} from 'vitest';
import {createReleasesService} from '../../source/services/releases';
import {serve} from '../support/loopback';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/releases/${name}`, import.meta.url), 'utf8');
const fast = {minRetryDelayMs: 5, timeoutMs: 500};
let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

describe('releases service', () => {
	it('reads versions.json and a formation over HTTP', async () => {
		const server = await serve((request, response) => {
			response.end(request.url === '/versions.json' ? fixture('versions.sample.json') : fixture('formation.sample.json'));
		});
		close = server.close;
		const releases = createReleasesService({baseUrl: `${server.url}/`, ...fast});
		expect((await releases.versions()).length).toBeGreaterThan(10);
		const formation = await releases.formation('20160916121812');
		expect(formation.url).toBe(`${server.url}/20160916121812/formation.json`);
		expect(formation.template.Mappings?.RegionConfig?.['us-east-1']?.Ami).toBe('ami-6bb2d67c');
		expect(releases.templateUrl('V')).toBe(`${server.url}/V/formation.json`);
	});

	it('retries 5xx and then succeeds', async () => {
		let calls = 0;
		const server = await serve((_request, response) => {
			calls++;
			if (calls < 3) {
				response.statusCode = 503;
				response.end();
			} else response.end('[]');
		});
		close = server.close;
		expect(await createReleasesService({baseUrl: server.url, ...fast}).versions()).toEqual([]);
		expect(calls).toBe(3);
	});

	it('does not retry a 404 and says what to check', async () => {
		const server = await serve((_request, response) => {
			response.statusCode = 404;
			response.end();
		});
		close = server.close;
		await expect(createReleasesService({baseUrl: server.url, ...fast}).formation('20990101000000')).rejects.toMatchObject({
			exitCode: 1,
			message: expect.stringContaining('HTTP 404'),
		});
		expect(server.requests).toHaveLength(1);
	});

	it('refuses malformed JSON and a wrong shape as input errors', async () => {
		const server = await serve((request, response) => response.end(request.url === '/versions.json' ? '{"versions": [' : '{"version": 1}'));
		close = server.close;
		const releases = createReleasesService({baseUrl: server.url, ...fast});
		await expect(releases.versions()).rejects.toMatchObject({exitCode: 2, message: expect.stringContaining('not valid JSON')});
		const shaped = await serve((_request, response) => response.end('[{"version": 20160916121812, "published": true}]'));
		await expect(createReleasesService({baseUrl: shaped.url, ...fast}).versions()).rejects.toMatchObject({exitCode: 2, message: expect.stringContaining("does not look like Convox's versions.json")});
		await shaped.close();
	});

	it('gives up on a server that never answers, after its retries', async () => {
		const server = await serve(() => undefined);
		close = server.close;
		await expect(createReleasesService({baseUrl: server.url, timeoutMs: 100, retries: 1, minRetryDelayMs: 5}).versions()).rejects.toThrow(/no answer within 0.1 s \(after 2 attempts\)/);
	});
});
