import {afterEach, describe, expect, it} from 'vitest';
import {listenOnLoopback, type LoopbackServer} from '../../../source/rehearsal/loopback-server';
import {
	recordingHelloWorld,
	startSumoLogicStandIn,
	SUMOLOGIC_STAND_IN_ACCESS_ID,
	SUMOLOGIC_STAND_IN_ACCESS_KEY,
	type LogShipping,
	type SumoLogicStandIn,
	type SumoLogicStandInOptions,
} from '../../../source/rehearsal/sumologic-stand-in';
import type {ProbeOutcome} from '../../../source/services/probes/outcome';
import type {RetryOptions} from '../../../source/services/probes/retry';
import {probeSumoLogicLogs} from '../../../source/services/probes/sumologic-logs';
import {newMarker, sendMarker} from '../../../source/services/probes/sumologic-marker';

const MARKER_PARAMETER = 'convox-ami-marker';

const SCOPE = '_sourceCategory=aws/dev/logspout';
const MARKER_PATTERN = 'convox-ami-[a-z0-9-]+';

let servers: Array<{close(): Promise<void>}> = [];
afterEach(async () => {
	await Promise.all(servers.map(server => server.close()));
	servers = [];
});

interface Rehearsal {
	sumo: SumoLogicStandIn;
	helloWorld: LoopbackServer;
	shipping: LogShipping;
}

async function rehearse(shipping: LogShipping, options: SumoLogicStandInOptions = {}): Promise<Rehearsal> {
	const sumo = await startSumoLogicStandIn(options);
	const helloWorld = await listenOnLoopback(recordingHelloWorld(sumo, shipping));
	servers.push(sumo, helloWorld);
	return {sumo, helloWorld, shipping};
}

/** Runs the probe, gathering every detail it shows: progress, retries and the outcome. */
async function probe(
	{sumo, helloWorld}: Rehearsal,
	overrides: {accessKey?: string; helloWorldUrl?: string; marker?: string; retry?: Partial<RetryOptions>} = {},
): Promise<{outcome: ProbeOutcome; details: string[]; progress: string[]; retries: string[]}> {
	const progress: string[] = [];
	const retries: string[] = [];
	const outcome = await probeSumoLogicLogs(
		{
			api: sumo.url,
			accessId: SUMOLOGIC_STAND_IN_ACCESS_ID,
			accessKey: overrides.accessKey ?? SUMOLOGIC_STAND_IN_ACCESS_KEY,
			scope: SCOPE,
			helloWorldUrl: overrides.helloWorldUrl ?? `${helloWorld.url}/`,
			marker: overrides.marker,
			pollMs: 10,
			backoffMs: 5,
			onProgress: detail => progress.push(detail),
		},
		{timeoutMs: 5000, initialDelayMs: 50, onRetry: detail => retries.push(detail), ...overrides.retry},
	);
	return {outcome, progress, retries, details: [...progress, ...retries, outcome.detail]};
}

describe('newMarker', () => {
	it('is convox-ami-<run id>-<random>, made safe for a URL and one search term, and unique', () => {
		expect(newMarker('Run 42/a')).toMatch(/^convox-ami-run-42-a-[0-9a-f]{12}$/);
		expect(newMarker()).toMatch(/^convox-ami-[0-9a-f]{8}-[0-9a-f]{12}$/);
		expect(newMarker('--')).toMatch(/^convox-ami-[0-9a-f]{8}-[0-9a-f]{12}$/);
		expect(newMarker('run')).not.toBe(newMarker('run'));
	});
});

describe('sendMarker', () => {
	it('puts the marker in the query and the user agent, so the log line holds it, and answers when it was sent', async () => {
		const {sumo, helloWorld} = await rehearse({delayMs: 0});
		const before = Date.now();
		const sentAt = await sendMarker(`${helloWorld.url}/?lang=en`, 'convox-ami-test-1');
		expect(sentAt.getTime()).toBeGreaterThanOrEqual(before);
		await expect.poll(() => sumo.lines).toHaveLength(1);
		expect(sumo.lines[0]!.line).toContain(`"GET /?lang=en&${MARKER_PARAMETER}=convox-ami-test-1 HTTP/1.1" 200`);
		expect(sumo.lines[0]!.line).toContain('"convox-ami checklist convox-ami-test-1"');
	});

	it('throws when the app does not answer 2xx', async () => {
		const broken = await listenOnLoopback((_request, response) => {
			response.writeHead(502);
			response.end();
		});
		servers.push(broken);
		await expect(sendMarker(broken.url, 'convox-ami-test-1')).rejects.toThrow('HTTP 502');
	});
});

describe('probeSumoLogicLogs', () => {
	it('passes when SumoLogic finds the marked log line, showing the job state meanwhile', async () => {
		const rehearsal = await rehearse({delayMs: 0});
		const {outcome, progress, retries} = await probe(rehearsal);
		expect(outcome).toMatchObject({status: 'pass'});
		expect(outcome.detail).toMatch(new RegExp(`^1 log line with marker ${MARKER_PATTERN} found by SumoLogic in \\d+ ms$`));
		expect(retries).toEqual([]);
		expect(progress).toEqual([
			'search job NOT STARTED, 0 messages',
			'search job GATHERING RESULTS, 1 message',
			'search job DONE GATHERING RESULTS, 1 message',
		]);
		const [job] = rehearsal.sumo.jobs;
		expect(job!.query).toMatch(new RegExp(`^${SCOPE} "${MARKER_PATTERN}"$`));
		expect(job!.ended).toBe('deleted');
	});

	it('searches again with a new job when the line arrives after the first search finished', async () => {
		const rehearsal = await rehearse({delayMs: 0, drop: true});
		const marker = newMarker('late');
		const retries: string[] = [];
		const onRetry = (detail: string) => {
			retries.push(detail);
			rehearsal.sumo.ingest(`"GET /?${MARKER_PARAMETER}=${marker} HTTP/1.1" 200`);
		};
		const {outcome} = await probe(rehearsal, {marker, retry: {initialDelayMs: 100, onRetry}});
		expect(outcome.status).toBe('pass');
		expect(outcome.detail).toMatch(new RegExp(`^1 log line with marker ${marker} found by SumoLogic in [\\d.]+ m?s \\(2 attempts in `));
		expect(retries).toHaveLength(1);
		expect(retries[0]).toMatch(
			new RegExp(`^no log line with marker ${marker} yet; search job DONE GATHERING RESULTS; attempt 1, retrying in 100 ms`),
		);
		expect(rehearsal.sumo.jobs.map(job => job.ended)).toEqual(['deleted', 'deleted']);
	});

	it('gives up at the timeout when the logs never arrive, saying what the last search saw', async () => {
		const rehearsal = await rehearse({delayMs: 0, drop: true});
		const {outcome} = await probe(rehearsal, {retry: {timeoutMs: 1200, initialDelayMs: 100, maxDelayMs: 200}});
		expect(outcome).toMatchObject({status: 'fail', retryable: false});
		expect(outcome.detail).toMatch(
			new RegExp(
				`^no log line with marker ${MARKER_PATTERN} yet; search job DONE GATHERING RESULTS \\(\\d+ attempts in [\\d.]+ s; gave up after 1\\.2 s\\)$`,
			),
		);
		expect(rehearsal.sumo.jobs.length).toBeGreaterThanOrEqual(2);
		expect(rehearsal.sumo.jobs.every(job => job.ended === 'deleted')).toBe(true);
	});

	it('fails at once, not retried, on refused credentials, and shows no secret in any detail', async () => {
		const rehearsal = await rehearse({delayMs: 0}, {accessKey: 'the-right-key'});
		const {outcome, retries} = await probe(rehearsal, {accessKey: 'a-wrong-key'});
		expect(outcome).toEqual({
			status: 'fail',
			retryable: false,
			detail:
				'SumoLogic refused the search job creation (HTTP 401: unauthorized: Credential could not be verified.): check SUMOLOGIC_ACCESS_ID and SUMOLOGIC_ACCESS_KEY; the Search Job API needs an Enterprise account',
		});
		expect(retries).toEqual([]);
		expect(rehearsal.sumo.requests.map(({method, status}) => `${method} ${status}`)).toEqual(['POST 401']);
	});

	it('fails for good on another deployment, naming it and logs.api', async () => {
		const rehearsal = await rehearse({delayMs: 0}, {redirectTo: 'https://api.us2.sumologic.com'});
		const {outcome} = await probe(rehearsal);
		expect(outcome).toMatchObject({status: 'fail', retryable: false});
		expect(outcome.detail).toBe(
			`SumoLogic at ${rehearsal.sumo.url} sent the search job creation to https://api.us2.sumologic.com (HTTP 301): the account is on that deployment; set logs.api to it`,
		);
	});

	it('says so when a search job was cancelled for want of polls, and searches again', async () => {
		const rehearsal = await rehearse({delayMs: 0}, {cancelIfNotPolledMs: 40});
		const progress: string[] = [];
		const retries: string[] = [];
		const outcome = await probeSumoLogicLogs(
			{
				api: rehearsal.sumo.url,
				accessId: SUMOLOGIC_STAND_IN_ACCESS_ID,
				accessKey: SUMOLOGIC_STAND_IN_ACCESS_KEY,
				scope: SCOPE,
				helloWorldUrl: rehearsal.helloWorld.url,
				pollMs: 150,
				onProgress: detail => progress.push(detail),
			},
			{timeoutMs: 2000, initialDelayMs: 100, onRetry: detail => retries.push(detail)},
		);
		expect(outcome).toMatchObject({status: 'fail', retryable: false});
		expect(outcome.detail).toMatch(
			/^search job [0-9A-F]{16} was cancelled \(HTTP 404: searchjob\.jobid\.invalid: Job ID is invalid\.\): SumoLogic cancels a job not polled within 20-30 s \(\d+ attempts in /,
		);
		expect(retries.length).toBeGreaterThan(0);
		expect(rehearsal.sumo.jobs.every(job => job.ended === 'cancelled')).toBe(true);
	});

	it('retries the marker request until hello-world takes it', async () => {
		const rehearsal = await rehearse({delayMs: 0});
		const down = await listenOnLoopback(() => undefined);
		await down.close();
		const {outcome} = await probe(rehearsal, {helloWorldUrl: down.url, retry: {timeoutMs: 300}});
		expect(outcome).toMatchObject({status: 'fail', retryable: false});
		expect(outcome.detail).toMatch(
			new RegExp(`^hello-world at ${down.url} did not take the marker request: ECONNREFUSED \\(\\d+ attempts in `),
		);
		expect(rehearsal.sumo.requests).toEqual([]);
	});

	it('shows neither the access id nor the key in any detail, whatever happens', async () => {
		const secrets = [SUMOLOGIC_STAND_IN_ACCESS_ID, SUMOLOGIC_STAND_IN_ACCESS_KEY];
		secrets.push(Buffer.from(secrets.join(':')).toString('base64'));
		const scenarios: Array<[LogShipping, SumoLogicStandInOptions]> = [
			[{delayMs: 0}, {}],
			[{delayMs: 0}, {rateLimitCalls: 100}],
			[{delayMs: 0}, {accessKey: 'expected-key'}],
			[{delayMs: 0}, {redirectTo: 'https://api.eu.sumologic.com'}],
			[{delayMs: 0}, {jobStates: ['GATHERING RESULTS', 'FORCE PAUSED']}],
			[{delayMs: 0, drop: true}, {}],
		];
		for (const [shipping, options] of scenarios) {
			const {details} = await probe(await rehearse(shipping, options), {retry: {timeoutMs: 300}});
			for (const detail of details) for (const secret of secrets) expect(detail).not.toContain(secret);
		}
	});
});
