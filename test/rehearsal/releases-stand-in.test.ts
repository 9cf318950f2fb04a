import {afterEach, describe, expect, it} from 'vitest';
import {startReleasesStandIn, type ReleasesStandIn} from '../../source/rehearsal/releases-stand-in';

let releases: ReleasesStandIn;

afterEach(async () => {
	await releases.close();
});

describe('releases stand-in', () => {
	it('serves versions.json and a formation.json per listed version', async () => {
		releases = await startReleasesStandIn();
		const versions = (await (await fetch(`${releases.url}/versions.json`)).json()) as Array<{version: string; published: boolean}>;
		expect(versions.map(entry => entry.version)).toContain('20160916121812');
		const formation = (await (await fetch(`${releases.url}/20160912193121/formation.json`)).json()) as {
			Parameters: Record<string, {Default?: string}>;
			Mappings: {RegionConfig: Record<string, {Ami: string}>};
		};
		expect(formation.Parameters.Version!.Default).toBe('20160912193121');
		expect(formation.Mappings.RegionConfig['us-east-1']!.Ami).toBe('ami-6bb2d67c');
		const unknown = await fetch(`${releases.url}/19990101000000/formation.json`);
		expect(unknown.status).toBe(404);
		expect(await unknown.text()).toContain('NoSuchKey');
	});

	it('serves given data verbatim', async () => {
		releases = await startReleasesStandIn({
			versions: [{version: '1', published: true, required: false, description: ''}],
			formations: {1: '{"Parameters":{}}'},
		});
		expect(await (await fetch(`${releases.url}/versions.json`)).json()).toEqual([
			{version: '1', published: true, required: false, description: ''},
		]);
		expect(await (await fetch(`${releases.url}/1/formation.json`)).text()).toBe('{"Parameters":{}}');
	});

	it('fails on demand: 500 a number of times, 404, malformed JSON, and hanging until closed', async () => {
		releases = await startReleasesStandIn({
			failures: [
				{kind: 'error', path: '/versions.json', times: 2},
				{kind: 'malformed', path: /formation\.json$/, times: 1},
				{kind: 'hang', path: '/hang'},
			],
		});
		expect((await fetch(`${releases.url}/versions.json`)).status).toBe(500);
		expect((await fetch(`${releases.url}/versions.json`)).status).toBe(500);
		expect((await fetch(`${releases.url}/versions.json`)).status).toBe(200);
		await expect((await fetch(`${releases.url}/20160916121812/formation.json`)).json()).rejects.toThrow(SyntaxError);
		expect((await fetch(`${releases.url}/20160916121812/formation.json`)).status).toBe(200);

		releases.failures.push({kind: 'not-found', path: '/versions.json', times: 1});
		expect((await fetch(`${releases.url}/versions.json`)).status).toBe(404);
		await expect(fetch(`${releases.url}/hang`, {signal: AbortSignal.timeout(100)})).rejects.toThrow(/aborted|timeout/i);
		expect(releases.requests.map(request => request.status)).toEqual([500, 500, 200, 200, 200, 404, 'hung']);
	});

	it('answers after the configured latency', async () => {
		releases = await startReleasesStandIn({latencyMs: 80});
		const started = performance.now();
		await fetch(`${releases.url}/versions.json`);
		expect(performance.now() - started).toBeGreaterThanOrEqual(75);
	});
});
