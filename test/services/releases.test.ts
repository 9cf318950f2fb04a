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

	it('does not retry a 404, tries rack.json once, and says what to check', async () => {
		const server = await serve((_request, response) => {
			response.statusCode = 404;
			response.end();
		});
		close = server.close;
		await expect(createReleasesService({baseUrl: server.url, ...fast}).formation('20990101000000')).rejects.toMatchObject({
			exitCode: 1,
			message: `Cannot fetch the template: ${server.url}/20990101000000/formation.json and ${server.url}/20990101000000/rack.json answered HTTP 404.`,
		});
		expect(server.requests.map(request => request.url)).toEqual(['/20990101000000/formation.json', '/20990101000000/rack.json']);
	});

	it('falls back to rack.json when formation.json is missing, and names the URL it read', async () => {
		const server = await serve((request, response) => {
			if (request.url === '/20260708102410/rack.json') response.end(fixture('formation.20260708102410.al2023.assembled.json'));
			else {
				response.statusCode = request.url === '/20260708102410/formation.json' ? 403 : 500;
				response.end('<Error><Code>AccessDenied</Code></Error>');
			}
		});
		close = server.close;
		const formation = await createReleasesService({baseUrl: server.url, ...fast}).formation('20260708102410');
		expect(formation.url).toBe(`${server.url}/20260708102410/rack.json`);
		expect(formation.bytes).toBeGreaterThan(300_000);
		expect(formation.template.Parameters?.DefaultAmiArm?.Default).toBe(
			'/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id',
		);
		expect(server.requests.map(request => request.url)).toEqual(['/20260708102410/formation.json', '/20260708102410/rack.json']);
	});

	it('does not fall back on a server error of formation.json', async () => {
		const server = await serve((_request, response) => {
			response.statusCode = 503;
			response.end();
		});
		close = server.close;
		await expect(createReleasesService({baseUrl: server.url, ...fast, retries: 1}).formation('20260708102410')).rejects.toMatchObject({
			message: expect.stringContaining('formation.json: HTTP 503 (after 2 attempts)'),
		});
		expect(server.requests.map(request => request.url)).toEqual(['/20260708102410/formation.json', '/20260708102410/formation.json']);
	});

	it('refuses malformed JSON and a wrong shape as input errors', async () => {
		const server = await serve((request, response) => response.end(request.url === '/versions.json' ? '{"versions": [' : '{"version": 1}'));
		close = server.close;
		const releases = createReleasesService({baseUrl: server.url, ...fast});
		await expect(releases.versions()).rejects.toMatchObject({exitCode: 2, message: expect.stringContaining('not valid JSON')});
		const shaped = await serve((_request, response) => response.end('[{"version": 20160916121812, "published": true}]'));
		await expect(createReleasesService({baseUrl: shaped.url, ...fast}).versions()).rejects.toMatchObject({
			exitCode: 2,
			message: expect.stringContaining("does not look like Convox's versions.json"),
		});
		await shaped.close();
	});

	it('gives up on a server that never answers, after its retries', async () => {
		const server = await serve(() => undefined);
		close = server.close;
		await expect(createReleasesService({baseUrl: server.url, timeoutMs: 100, retries: 1, minRetryDelayMs: 5}).versions()).rejects.toThrow(
			/no answer within 0.1 s \(after 2 attempts\)/,
		);
	});
});
