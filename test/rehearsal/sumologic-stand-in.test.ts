import {setTimeout as sleep} from 'node:timers/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {listenOnLoopback} from '../../source/rehearsal/loopback-server';
import {
	recordingHelloWorld,
	startSumoLogicStandIn,
	SUMOLOGIC_STAND_IN_ACCESS_ID,
	SUMOLOGIC_STAND_IN_ACCESS_KEY,
	type SumoLogicStandIn,
	type SumoLogicStandInOptions,
} from '../../source/rehearsal/sumologic-stand-in';

let servers: Array<{close(): Promise<void>}> = [];
afterEach(async () => {
	await Promise.all(servers.map(server => server.close()));
	servers = [];
});

async function start(options: SumoLogicStandInOptions = {}): Promise<SumoLogicStandIn> {
	const sumo = await startSumoLogicStandIn(options);
	servers.push(sumo);
	return sumo;
}

const AUTHORIZATION = `Basic ${Buffer.from(`${SUMOLOGIC_STAND_IN_ACCESS_ID}:${SUMOLOGIC_STAND_IN_ACCESS_KEY}`).toString('base64')}`;
const JSON_HEADERS = {authorization: AUTHORIZATION, 'content-type': 'application/json', accept: 'application/json'};

/** A created job and the cookie header its later calls need. */
async function createJob(sumo: SumoLogicStandIn, fields: Record<string, unknown> = {}): Promise<{id: string; cookie: string}> {
	const response = await fetch(`${sumo.url}/api/v1/search/jobs`, {
		method: 'POST',
		headers: JSON_HEADERS,
		body: JSON.stringify({query: '"marker"', from: Date.now() - 60_000, to: Date.now() + 60_000, timeZone: 'UTC', ...fields}),
	});
	expect(response.status).toBe(202);
	const {id} = (await response.json()) as {id: string};
	return {
		id,
		cookie: response.headers
			.getSetCookie()
			.map(cookie => cookie.split(';')[0])
			.join('; '),
	};
}

/** The fields of the stand-in's answers that these tests read. */
interface Answer {
	id?: string;
	code?: string;
	state?: string;
	messageCount?: number;
	fields?: Array<{name: string}>;
	messages?: Array<{map: Record<string, string>}>;
}

async function call(sumo: SumoLogicStandIn, path: string, cookie: string, method = 'GET'): Promise<{status: number; body: Answer}> {
	const response = await fetch(`${sumo.url}/api/v1/search/jobs/${path}`, {method, headers: {authorization: AUTHORIZATION, cookie}});
	return {status: response.status, body: (await response.json()) as Answer};
}

describe('SumoLogic stand-in', () => {
	it('creates a job with 202, its id, link, Location and session cookies, checking auth, content type and fields', async () => {
		const sumo = await start();
		const url = `${sumo.url}/api/v1/search/jobs`;
		const post = (headers: Record<string, string>, body: unknown) => fetch(url, {method: 'POST', headers, body: JSON.stringify(body)});
		const valid = {query: '"x"', from: '2026-07-14T10:00:00', to: '2026-07-14T10:05:00', timeZone: 'UTC'};

		const created = await post(JSON_HEADERS, valid);
		expect(created.status).toBe(202);
		const {id, link} = (await created.json()) as {id: string; link: {rel: string; href: string}};
		expect(id).toMatch(/^[0-9A-F]{16}$/);
		expect(link).toEqual({rel: 'self', href: `${url}/${id}`});
		expect(created.headers.get('location')).toBe(`${url}/${id}`);
		expect(created.headers.getSetCookie()).toEqual([
			expect.stringMatching(/^JSESSIONID=[0-9A-F]{32}; Path=\/api; Secure; HttpOnly$/),
			expect.stringMatching(/^AWSALB=\S+; Path=\/$/),
		]);
		expect(sumo.jobs[0]).toMatchObject({
			id,
			query: '"x"',
			from: Date.parse('2026-07-14T10:00:00Z'),
			to: Date.parse('2026-07-14T10:05:00Z'),
		});

		const wrongKey = `Basic ${Buffer.from(`${SUMOLOGIC_STAND_IN_ACCESS_ID}:nope`).toString('base64')}`;
		const refused = await post({...JSON_HEADERS, authorization: wrongKey}, valid);
		expect(refused.status).toBe(401);
		expect(await refused.json()).toMatchObject({status: 401, code: 'unauthorized', message: 'Credential could not be verified.'});
		expect((await post({authorization: AUTHORIZATION}, valid)).status).toBe(415);
		const codes = async (body: unknown) => ((await (await post(JSON_HEADERS, body)).json()) as {code: string}).code;
		expect(await codes({...valid, query: ''})).toBe('searchjob.no.query');
		expect(await codes({...valid, from: 'yesterday'})).toBe('searchjob.invalid.timestamp.from');
		expect(await codes({...valid, to: undefined})).toBe('searchjob.invalid.timestamp.to');
		expect(await codes({...valid, from: valid.to, to: valid.from})).toBe('searchjob.to.smaller.than.from');
		expect(await codes({...valid, timeZone: ''})).toBe('searchjob.empty.timezone');
		expect(sumo.jobs).toHaveLength(1);
	});

	it('advances a job one state per poll and freezes its count when done; pages its messages; deletes it', async () => {
		const sumo = await start();
		sumo.ingest('one "GET /?m=MARKER"');
		const {id, cookie} = await createJob(sumo, {query: '_sourceCategory=anything "marker" | count'});
		const poll = async () => (await call(sumo, id, cookie)).body;

		expect(await poll()).toMatchObject({state: 'NOT STARTED', messageCount: 0, recordCount: 0});
		expect((await call(sumo, `${id}/messages?offset=0&limit=10`, cookie)).body.messages).toEqual([]);
		sumo.ingest('two marker');
		expect(await poll()).toMatchObject({state: 'GATHERING RESULTS', messageCount: 2});
		sumo.ingest('three marker');
		expect(await poll()).toMatchObject({state: 'DONE GATHERING RESULTS', messageCount: 3, pendingErrors: [], histogramBuckets: []});
		sumo.ingest('four marker');
		expect(await poll()).toMatchObject({state: 'DONE GATHERING RESULTS', messageCount: 3});

		const page = await call(sumo, `${id}/messages?offset=1&limit=1`, cookie);
		expect(page.status).toBe(200);
		expect(page.body.fields?.map(field => field.name)).toEqual(['_messagetime', '_receipttime', '_raw']);
		expect(page.body.messages).toHaveLength(1);
		expect(page.body.messages?.[0]?.map._raw).toMatch(/^(one|two|three)/);
		const everything = await call(sumo, `${id}/messages?offset=0&limit=100`, cookie);
		expect(everything.body.messages?.map(message => message.map._raw).sort()).toEqual([
			'one "GET /?m=MARKER"',
			'three marker',
			'two marker',
		]);
		for (const [query, code] of [
			['limit=1', 'searchjob.offset.missing'],
			['offset=-1&limit=1', 'searchjob.offset.negative'],
			['offset=0', 'searchjob.limit.missing'],
			['offset=0&limit=0', 'searchjob.limit.zero'],
			['offset=0&limit=-5', 'searchjob.limit.negative'],
		]) {
			expect(await call(sumo, `${id}/messages?${query}`, cookie)).toMatchObject({status: 400, body: {code}});
		}
		expect(await call(sumo, `${id}/records?offset=0&limit=1`, cookie)).toMatchObject({
			status: 400,
			body: {code: 'searchjob.no.records.not.an.aggregation.query'},
		});

		expect(await call(sumo, id, cookie, 'DELETE')).toEqual({status: 200, body: {id}});
		expect(sumo.jobs[0]!.ended).toBe('deleted');
		expect(await call(sumo, id, cookie)).toMatchObject({
			status: 404,
			body: {code: 'searchjob.jobid.invalid', message: 'Job ID is invalid.'},
		});
	});

	it('matches quoted phrases case-insensitively within the time range, taking every other term as given', async () => {
		const sumo = await start({jobStates: ['DONE GATHERING RESULTS']});
		const now = Date.now();
		sumo.ingest('GET /?convox-ami-marker=Convox-AMI-Run-1 HTTP/1.1', new Date(now - 10_000));
		sumo.ingest('GET /?convox-ami-marker=convox-ami-run-1 HTTP/1.1', new Date(now - 600_000));
		sumo.ingest('GET /?convox-ami-marker=convox-ami-run-2 HTTP/1.1', new Date(now - 10_000));
		const count = async (fields: Record<string, unknown>) => {
			const {id, cookie} = await createJob(sumo, fields);
			return (await call(sumo, id, cookie)).body.messageCount;
		};
		expect(await count({query: '_sourceCategory=aws/dev/logspout "convox-ami-run-1"', from: now - 60_000, to: now})).toBe(1);
		expect(await count({query: '"convox-ami-run-1"', from: String(now - 3_600_000), to: String(now)})).toBe(2);
		expect(await count({query: '"convox-ami-run-1" "HTTP/1.1"', from: new Date(now - 60_000).toISOString(), to: now})).toBe(1);
		expect(await count({query: '"convox-ami-run-3"', from: now - 3_600_000, to: now})).toBe(0);
		expect(await count({query: '_sourceCategory=aws/dev/logspout', from: now - 60_000, to: now})).toBe(2);
	});

	it('answers 404 to a job call without the cookies its creation set', async () => {
		const sumo = await start();
		const {id, cookie} = await createJob(sumo);
		expect((await call(sumo, id, '')).status).toBe(404);
		expect((await call(sumo, id, cookie.replace(/JSESSIONID=\w+/, 'JSESSIONID=0123'))).status).toBe(404);
		expect((await call(sumo, id, cookie)).status).toBe(200);
	});

	it('cancels a job not called for too long: every later call answers 404', async () => {
		const sumo = await start({cancelIfNotPolledMs: 400});
		const {id, cookie} = await createJob(sumo);
		expect((await call(sumo, id, cookie)).status).toBe(200);
		await sleep(100);
		expect((await call(sumo, id, cookie)).status).toBe(200);
		await sleep(600);
		expect((await call(sumo, id, cookie)).body).toMatchObject({status: 404, code: 'searchjob.jobid.invalid'});
		expect(sumo.jobs[0]!.ended).toBe('cancelled');
		expect((await call(sumo, id, cookie, 'DELETE')).status).toBe(404);
	});

	it('rate-limits the next calls on demand, with Retry-After when asked', async () => {
		const sumo = await start({rateLimitCalls: 1, retryAfterSeconds: 2});
		const limited = await fetch(`${sumo.url}/api/v1/search/jobs`, {method: 'POST', headers: JSON_HEADERS, body: '{}'});
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBe('2');
		expect(await limited.json()).toMatchObject({status: 429, code: 'rate.limit.exceeded'});
		const {id, cookie} = await createJob(sumo);
		sumo.rateLimitCalls = 1;
		expect((await call(sumo, id, cookie)).status).toBe(429);
		expect((await call(sumo, id, cookie)).status).toBe(200);
		expect(sumo.requests.map(({status}) => status)).toEqual([429, 202, 429, 200]);
	});

	it('redirects every call to the other deployment in redirect mode', async () => {
		const sumo = await start({redirectTo: 'https://api.eu.sumologic.com/'});
		const response = await fetch(`${sumo.url}/api/v1/search/jobs/ABC?x=1`, {redirect: 'manual'});
		expect(response.status).toBe(301);
		expect(response.headers.get('location')).toBe('https://api.eu.sumologic.com/api/v1/search/jobs/ABC?x=1');
		expect(await response.json()).toMatchObject({status: 301, code: 'moved'});
	});
});

describe('recordingHelloWorld', () => {
	it('answers hello and ships each request line with its user agent after the delay, unless told to drop them', async () => {
		const sumo = await start();
		const shipping = {delayMs: 100, drop: false};
		const app = await listenOnLoopback(recordingHelloWorld(sumo, shipping));
		servers.push(app);

		const sent = Date.now();
		const response = await fetch(`${app.url}/?convox-ami-marker=convox-ami-x-1`, {headers: {'user-agent': 'probe convox-ami-x-1'}});
		expect(await response.text()).toBe('Hello, World!\n');
		await expect.poll(() => sumo.lines, {interval: 10}).toHaveLength(1);
		expect(sumo.lines[0]!.at - sent).toBeGreaterThanOrEqual(95);
		expect(sumo.lines[0]!.line).toMatch(
			/^web\.1 127\.0\.0\.1 - - \[.+\] "GET \/\?convox-ami-marker=convox-ami-x-1 HTTP\/1\.1" 200 14 "-" "probe convox-ami-x-1"$/,
		);

		shipping.drop = true;
		expect((await fetch(`${app.url}/?convox-ami-marker=convox-ami-x-2`)).status).toBe(200);
		await sleep(200);
		expect(sumo.lines).toHaveLength(1);
	});
});
