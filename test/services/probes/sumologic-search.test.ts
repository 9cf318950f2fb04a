import {afterEach, describe, expect, it} from 'vitest';
import {
	startSumoLogicStandIn,
	SUMOLOGIC_STAND_IN_ACCESS_ID,
	SUMOLOGIC_STAND_IN_ACCESS_KEY,
	type SumoLogicStandIn,
	type SumoLogicStandInOptions,
} from '../../../source/rehearsal/sumologic-stand-in';
import {sumoLogicSearch, SumoLogicSearchError, type SumoLogicSearchRequest} from '../../../source/services/probes/sumologic-search';

let sumo: SumoLogicStandIn | undefined;
afterEach(async () => {
	await sumo?.close();
	sumo = undefined;
});

const MARKER = 'convox-ami-test-0123456789ab';
const BASIC = Buffer.from(`${SUMOLOGIC_STAND_IN_ACCESS_ID}:${SUMOLOGIC_STAND_IN_ACCESS_KEY}`).toString('base64');

async function start(options: SumoLogicStandInOptions = {}): Promise<SumoLogicStandIn> {
	sumo = await startSumoLogicStandIn(options);
	return sumo;
}

function request(overrides: Partial<SumoLogicSearchRequest> = {}): SumoLogicSearchRequest {
	return {
		api: sumo!.url,
		accessId: SUMOLOGIC_STAND_IN_ACCESS_ID,
		accessKey: SUMOLOGIC_STAND_IN_ACCESS_KEY,
		query: `_sourceCategory=aws/dev/logspout "${MARKER}"`,
		from: new Date(Date.now() - 60_000),
		to: new Date(),
		timeoutMs: 5000,
		pollMs: 10,
		backoffMs: 5,
		...overrides,
	};
}

async function searchError(search: Promise<unknown>): Promise<SumoLogicSearchError> {
	const error = await search.then(
		() => undefined,
		(error: unknown) => error,
	);
	expect(error).toBeInstanceOf(SumoLogicSearchError);
	return error as SumoLogicSearchError;
}

const methods = (standIn: SumoLogicStandIn) => standIn.requests.map(({method, status}) => `${method} ${status}`);

describe('sumoLogicSearch', () => {
	it('creates the job SumoLogic documents, polls it until done, counts the messages and deletes the job', async () => {
		const standIn = await start();
		standIn.ingest(`GET /?convox-ami-marker=${MARKER} HTTP/1.1`, new Date(Date.now() - 5000));
		standIn.ingest(`"GET / HTTP/1.1" "convox-ami checklist ${MARKER.toUpperCase()}"`, new Date(Date.now() - 1000));
		standIn.ingest('GET /?convox-ami-marker=convox-ami-other-run HTTP/1.1');
		standIn.ingest(`GET /?convox-ami-marker=${MARKER} HTTP/1.1 (before the range)`, new Date(Date.now() - 120_000));
		const from = new Date(Date.now() - 60_000);
		const to = new Date();
		const progress: string[] = [];

		const result = await sumoLogicSearch(request({from, to, onProgress: detail => progress.push(detail)}));

		expect(result.messageCount).toBe(2);
		expect(progress).toEqual([
			'search job NOT STARTED, 0 messages',
			'search job GATHERING RESULTS, 2 messages',
			'search job DONE GATHERING RESULTS, 2 messages',
		]);
		const [job] = standIn.jobs;
		expect(result.jobId).toBe(job!.id);
		expect(job!.body).toEqual({
			query: `_sourceCategory=aws/dev/logspout "${MARKER}"`,
			from: new Date(Math.floor(from.getTime() / 1000) * 1000).toISOString().slice(0, 19),
			to: new Date(Math.ceil(to.getTime() / 1000) * 1000).toISOString().slice(0, 19),
			timeZone: 'UTC',
			byReceiptTime: true,
			requiresRawMessages: true,
		});
		expect(job!.ended).toBe('deleted');
		expect(methods(standIn)).toEqual(['POST 202', 'GET 200', 'GET 200', 'GET 200', 'DELETE 200']);
	});

	it('keeps the cookies the creation set: the same calls without them answer 404', async () => {
		const standIn = await start();
		const withoutCookies: number[] = [];
		const result = await sumoLogicSearch(
			request({
				onProgress: () => {
					if (withoutCookies.length > 0) return;
					const url = `${standIn.url}/api/v1/search/jobs/${standIn.jobs[0]!.id}`;
					withoutCookies.push(-1);
					void fetch(url, {headers: {authorization: `Basic ${BASIC}`}}).then(response => (withoutCookies[0] = response.status));
				},
			}),
		);
		expect(result.messageCount).toBe(0);
		await expect.poll(() => withoutCookies[0]).toBe(404);
		expect(standIn.jobs[0]!.ended).toBe('deleted');
	});

	it('waits out 429s, by Retry-After or backing off, and gives up (retryable) when they persist', async () => {
		let standIn = await start({rateLimitCalls: 2, retryAfterSeconds: 0});
		const progress: string[] = [];
		expect((await sumoLogicSearch(request({onProgress: detail => progress.push(detail)}))).messageCount).toBe(0);
		expect(progress.slice(0, 2)).toEqual([
			'SumoLogic rate limit (HTTP 429) on the search job creation; retrying in 0 ms',
			'SumoLogic rate limit (HTTP 429) on the search job creation; retrying in 0 ms',
		]);
		expect(methods(standIn).slice(0, 3)).toEqual(['POST 429', 'POST 429', 'POST 202']);
		await standIn.close();

		standIn = await start({rateLimitCalls: 100});
		const started = Date.now();
		const error = await searchError(sumoLogicSearch(request({backoffMs: 20})));
		expect(Date.now() - started).toBeGreaterThanOrEqual(20 + 40 + 80 + 160);
		expect(error.retryable).toBe(true);
		expect(error.message).toBe(
			'SumoLogic kept rate-limiting the search job creation (HTTP 429: rate.limit.exceeded: The API rate limit has been exceeded.): 4 requests/s and 200 concurrent search jobs per organisation',
		);
		expect(standIn.requests).toHaveLength(5);
	});

	it('fails for good on refused credentials, naming the variables and the Enterprise requirement', async () => {
		const standIn = await start({accessKey: 'another-key'});
		const error = await searchError(sumoLogicSearch(request()));
		expect(error.retryable).toBe(false);
		expect(error.message).toBe(
			'SumoLogic refused the search job creation (HTTP 401: unauthorized: Credential could not be verified.): check SUMOLOGIC_ACCESS_ID and SUMOLOGIC_ACCESS_KEY; the Search Job API needs an Enterprise account',
		);
		expect(methods(standIn)).toEqual(['POST 401']);
	});

	it('fails for good when the account lives on another deployment, naming it and logs.api', async () => {
		const standIn = await start({redirectTo: 'https://api.eu.sumologic.com'});
		const error = await searchError(sumoLogicSearch(request()));
		expect(error.retryable).toBe(false);
		expect(error.message).toBe(
			`SumoLogic at ${standIn.url} sent the search job creation to https://api.eu.sumologic.com (HTTP 301): the account is on that deployment; set logs.api to it`,
		);
		expect(methods(standIn)).toEqual(['POST 301']);
	});

	it('says the job was cancelled when it was not polled in time, and still deletes it', async () => {
		const standIn = await start({cancelIfNotPolledMs: 50});
		const error = await searchError(sumoLogicSearch(request({pollMs: 200})));
		const [job] = standIn.jobs;
		expect(error.retryable).toBe(true);
		expect(error.message).toBe(
			`search job ${job!.id} was cancelled (HTTP 404: searchjob.jobid.invalid: Job ID is invalid.): SumoLogic cancels a job not polled within 20-30 s`,
		);
		expect(job!.ended).toBe('cancelled');
		// Under load even the first poll may come too late.
		expect(methods(standIn)).toEqual(expect.arrayContaining(['POST 202', 'GET 404', 'DELETE 404']));
		expect(methods(standIn).at(-1)).toBe('DELETE 404');
	});

	it.each(['CANCELLED', 'FORCE PAUSED'] as const)('fails (retryable) on a job that ended %s, and deletes it', async state => {
		const standIn = await start({jobStates: ['GATHERING RESULTS', state]});
		const error = await searchError(sumoLogicSearch(request()));
		expect(error.retryable).toBe(true);
		expect(error.message).toMatch(new RegExp(`^search job ${standIn.jobs[0]!.id} ended ${state} after \\d+ ms$`));
		expect(standIn.jobs[0]!.ended).toBe('deleted');
	});

	it('gives up (retryable) on a job still gathering at its deadline, and deletes it', async () => {
		const standIn = await start({jobStates: ['GATHERING RESULTS']});
		const error = await searchError(sumoLogicSearch(request({timeoutMs: 200, pollMs: 30})));
		expect(error.retryable).toBe(true);
		expect(error.message).toMatch(/^search job [0-9A-F]{16} still GATHERING RESULTS after \d+ ms$/);
		expect(standIn.jobs[0]!.ended).toBe('deleted');
	});

	it('deletes the job when aborted, and rejects with the abort', async () => {
		const standIn = await start({jobStates: ['GATHERING RESULTS']});
		const controller = new AbortController();
		const search = sumoLogicSearch(request({signal: controller.signal, onProgress: () => controller.abort()}));
		await expect(search).rejects.toMatchObject({name: 'AbortError'});
		expect(standIn.jobs[0]!.ended).toBe('deleted');
	});

	it('fails (retryable) when SumoLogic does not answer, and for good on a host that does not resolve or a query it rejects', async () => {
		const standIn = await start();
		const toClosed = request();
		await standIn.close();
		sumo = undefined;
		const unreachable = await searchError(sumoLogicSearch(toClosed));
		expect(unreachable.retryable).toBe(true);
		expect(unreachable.message).toBe(`SumoLogic API at ${standIn.url} did not answer the search job creation: ECONNREFUSED`);

		const mistyped = await searchError(sumoLogicSearch({...toClosed, api: 'https://api.us9.sumologic.invalid'}));
		expect(mistyped.retryable).toBe(false);
		expect(mistyped.message).toBe('SumoLogic API host https://api.us9.sumologic.invalid does not resolve (ENOTFOUND): check logs.api');

		await start();
		const rejected = await searchError(sumoLogicSearch(request({query: ' '})));
		expect(rejected.retryable).toBe(false);
		expect(rejected.message).toBe(`SumoLogic rejected the search (HTTP 400: searchjob.no.query: No 'query' parameter was provided.)`);
	});
});
