import {randomBytes} from 'node:crypto';
import type {IncomingMessage, RequestListener, ServerResponse} from 'node:http';
import {listenOnLoopback} from './loopback-server';

export type SearchJobState = 'NOT STARTED' | 'GATHERING RESULTS' | 'DONE GATHERING RESULTS' | 'CANCELLED' | 'FORCE PAUSED';

export const SUMOLOGIC_STAND_IN_ACCESS_ID = 'suRehearsal0123';
export const SUMOLOGIC_STAND_IN_ACCESS_KEY = 'rehearsal-sumologic-access-key-0123456789';

export interface SumoLogicStandInOptions {
	accessId?: string;
	accessKey?: string;
	/** The state each status poll of a job reports in turn, the last one staying. Default NOT STARTED, GATHERING RESULTS, DONE GATHERING RESULTS. */
	jobStates?: SearchJobState[];
	/** A job not called for this long is cancelled; later calls answer 404, as SumoLogic's do. Default 30 s. */
	cancelIfNotPolledMs?: number;
	/** How many of the next calls answer 429 (any call). */
	rateLimitCalls?: number;
	/** The Retry-After (seconds) of those 429s; none when absent. */
	retryAfterSeconds?: number;
	/** Every call answers 301 to the same path on this origin, as the wrong deployment does. */
	redirectTo?: string;
	port?: number;
}

export interface LogLine {
	line: string;
	/** Receipt time, epoch milliseconds. */
	at: number;
}

export interface StandInSearchJob {
	id: string;
	/** The creation's JSON body, as sent. */
	body: Record<string, unknown>;
	query: string;
	from: number;
	to: number;
	polls: number;
	/** The state the last poll reported. */
	state: SearchJobState;
	ended?: 'deleted' | 'cancelled';
}

export interface SumoLogicStandIn {
	/** The `logs.api` origin. */
	url: string;
	port: number;
	/** A log line SumoLogic received at `at` (default now). */
	ingest(line: string, at?: Date): void;
	lines: LogLine[];
	jobs: StandInSearchJob[];
	requests: Array<{method: string; path: string; status: number}>;
	/** Calls still to answer 429; set it at any time. */
	rateLimitCalls: number;
	close(): Promise<void>;
}

const JOBS_PATH = '/api/v1/search/jobs';
const SESSION_COOKIE = 'JSESSIONID';
const DEFAULT_STATES: SearchJobState[] = ['NOT STARTED', 'GATHERING RESULTS', 'DONE GATHERING RESULTS'];

/**
 * SumoLogic's Search Job API on loopback, as far as the checklist's client uses it: Basic auth, jobs that answer
 * only with the cookies their creation set, states advancing one per poll, `/messages` paging, DELETE,
 * cancellation of jobs left unpolled, and on demand 429s and a redirect to another deployment.
 *
 * Matching is deliberately simple: a line matches a job when it was received within the job's `from`..`to`
 * (time zone-less times read as UTC) and holds every quoted phrase of the query, case-insensitively. Every
 * other term (metadata such as `_sourceCategory=…`, anything after a `|`) is taken to match.
 */
export async function startSumoLogicStandIn(options: SumoLogicStandInOptions = {}): Promise<SumoLogicStandIn> {
	const authorization = `Basic ${Buffer.from(`${options.accessId ?? SUMOLOGIC_STAND_IN_ACCESS_ID}:${options.accessKey ?? SUMOLOGIC_STAND_IN_ACCESS_KEY}`).toString('base64')}`;
	const states = options.jobStates ?? DEFAULT_STATES;
	const cancelAfterMs = options.cancelIfNotPolledMs ?? 30_000;
	/** A job's session cookie, last call, and once done gathering results, what it found. */
	const sessions = new Map<string, {job: StandInSearchJob; session: string; touched: number; found?: LogLine[]}>();

	const matching = (job: StandInSearchJob) =>
		standIn.lines.filter(({line, at}) => at >= job.from && at <= job.to && matches(job.query, line)).sort((a, b) => b.at - a.at);

	function handle(request: IncomingMessage, response: ServerResponse, body: string): number {
		const url = new URL(request.url ?? '/', 'http://stand-in');
		if (options.redirectTo) {
			return reply(
				response,
				301,
				error(301, 'moved', 'The requested resource SHOULD be accessed through returned URI in Location Header.'),
				{
					location: `${options.redirectTo.replace(/\/+$/, '')}${url.pathname}${url.search}`,
				},
			);
		}
		if (standIn.rateLimitCalls > 0) {
			standIn.rateLimitCalls--;
			const headers: Record<string, string> =
				options.retryAfterSeconds === undefined ? {} : {'retry-after': String(options.retryAfterSeconds)};
			return reply(response, 429, error(429, 'rate.limit.exceeded', 'The API rate limit has been exceeded.'), headers);
		}
		if (request.headers.authorization !== authorization)
			return reply(response, 401, error(401, 'unauthorized', 'Credential could not be verified.'));
		if (url.pathname === JOBS_PATH) return request.method === 'POST' ? create(request, response, body) : methodUnsupported(response);

		const [, id, resource] = /^\/api\/v1\/search\/jobs\/([^/]+)(?:\/(messages|records))?$/.exec(url.pathname) ?? [];
		const entry = id === undefined ? undefined : sessions.get(decodeURIComponent(id));
		const session = cookieValue(request.headers.cookie, SESSION_COOKIE);
		if (!entry || entry.job.ended || entry.session !== session) return jobIdInvalid(response);
		const {job} = entry;
		if (Date.now() - entry.touched > cancelAfterMs) {
			job.ended = 'cancelled';
			return jobIdInvalid(response);
		}
		entry.touched = Date.now();
		const found = () => entry.found ?? matching(job);
		if (request.method === 'DELETE' && !resource) {
			job.ended = 'deleted';
			return reply(response, 200, {id: job.id});
		}
		if (request.method !== 'GET') return methodUnsupported(response);
		if (resource === 'records') {
			return reply(response, 400, error(400, 'searchjob.no.records.not.an.aggregation.query', 'No records; query is not an aggregation'));
		}
		if (resource === 'messages') return messages(response, url.searchParams, job.state === 'NOT STARTED' ? [] : found());
		job.state = states[Math.min(job.polls, states.length - 1)]!;
		job.polls++;
		if (job.state === 'DONE GATHERING RESULTS') entry.found ??= matching(job);
		return reply(response, 200, {
			state: job.state,
			messageCount: job.state === 'NOT STARTED' ? 0 : found().length,
			recordCount: 0,
			histogramBuckets: [],
			pendingErrors: [],
			pendingWarnings: [],
			warning: '',
			usageDetails: {dataScannedInBytes: 0},
		});
	}

	function create(request: IncomingMessage, response: ServerResponse, body: string): number {
		if (!request.headers['content-type']?.startsWith('application/json')) {
			return reply(response, 415, error(415, 'contenttype.invalid', 'Invalid content type.'));
		}
		let fields: Record<string, unknown>;
		try {
			fields = JSON.parse(body) as Record<string, unknown>;
		} catch {
			return reply(response, 400, error(400, 'searchjob.generic', 'Generic error.'));
		}
		if (typeof fields.query !== 'string' || fields.query.trim() === '') {
			return reply(response, 400, error(400, 'searchjob.no.query', "No 'query' parameter was provided."));
		}
		const from = searchTime(fields.from);
		const to = searchTime(fields.to);
		if (from === undefined)
			return reply(response, 400, error(400, 'searchjob.invalid.timestamp.from', "The 'from' field contains an invalid time."));
		if (to === undefined)
			return reply(response, 400, error(400, 'searchjob.invalid.timestamp.to', "The 'to' field contains an invalid time."));
		if (from > to)
			return reply(response, 400, error(400, 'searchjob.to.smaller.than.from', "The 'from' time cannot be larger than the 'to' time."));
		if (!fields.timeZone && !fields.timezone)
			return reply(response, 400, error(400, 'searchjob.empty.timezone', "The 'timezone' cannot be blank."));
		const job: StandInSearchJob = {
			id: randomBytes(8).toString('hex').toUpperCase(),
			body: fields,
			query: fields.query,
			from,
			to,
			polls: 0,
			state: 'NOT STARTED',
		};
		const session = randomBytes(16).toString('hex').toUpperCase();
		standIn.jobs.push(job);
		sessions.set(job.id, {job, session, touched: Date.now()});
		const href = `${standIn.url}${JOBS_PATH}/${job.id}`;
		return reply(
			response,
			202,
			{id: job.id, link: {rel: 'self', href}},
			{
				location: href,
				'set-cookie': [
					`${SESSION_COOKIE}=${session}; Path=/api; Secure; HttpOnly`,
					`AWSALB=${randomBytes(12).toString('base64url')}; Path=/`,
				],
			},
		);
	}

	function messages(response: ServerResponse, query: URLSearchParams, found: LogLine[]): number {
		const offset = query.get('offset');
		const limit = query.get('limit');
		if (offset === null) return reply(response, 400, error(400, 'searchjob.offset.missing', 'Offset is missing.'));
		if (Number(offset) < 0) return reply(response, 400, error(400, 'searchjob.offset.negative', 'Offset cannot be negative.'));
		if (limit === null) return reply(response, 400, error(400, 'searchjob.limit.missing', 'Limit is missing.'));
		if (Number(limit) === 0) return reply(response, 400, error(400, 'searchjob.limit.zero', 'Limit cannot be 0.'));
		if (Number(limit) < 0) return reply(response, 400, error(400, 'searchjob.limit.negative', 'Limit cannot be negative.'));
		const page = found.slice(Number(offset), Number(offset) + Math.min(Number(limit), 10_000));
		return reply(response, 200, {
			fields: ['_messagetime', '_receipttime', '_raw'].map(name => ({
				name,
				fieldType: name === '_raw' ? 'string' : 'long',
				keyField: false,
			})),
			messages: page.map(({line, at}) => ({map: {_messagetime: String(at), _receipttime: String(at), _raw: line}})),
		});
	}

	const server = await listenOnLoopback((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const status = handle(request, response, Buffer.concat(chunks).toString('utf8'));
			standIn.requests.push({method: request.method ?? 'GET', path: request.url ?? '/', status});
		});
	}, options.port);
	const standIn: SumoLogicStandIn = {
		url: server.url,
		port: server.port,
		ingest: (line, at = new Date()) => void standIn.lines.push({line, at: at.getTime()}),
		lines: [],
		jobs: [],
		requests: [],
		rateLimitCalls: options.rateLimitCalls ?? 0,
		close: () => server.close(),
	};
	return standIn;
}

export interface LogShipping {
	/** From the request to SumoLogic's receipt of its log line. */
	delayMs: number;
	/** Log lines never arrive. Read at each request, so it may change while the stand-ins run. */
	drop?: boolean;
}

/**
 * The rehearsal's hello-world app, whose HTTP log lines (request line and user agent, as the app's access log
 * has them) reach the SumoLogic stand-in `delayMs` after each request, as logspout would ship them.
 */
export function recordingHelloWorld(sumo: Pick<SumoLogicStandIn, 'ingest'>, shipping: LogShipping): RequestListener {
	return (request, response) => {
		response.writeHead(200, {'content-type': 'text/plain'});
		response.end('Hello, World!\n');
		if (shipping.drop) return;
		const line = `web.1 ${request.socket.remoteAddress ?? '-'} - - [${new Date().toISOString()}] "${request.method} ${request.url} HTTP/${request.httpVersion}" 200 14 "-" "${request.headers['user-agent'] ?? '-'}"`;
		setTimeout(() => sumo.ingest(line), shipping.delayMs).unref();
	};
}

function matches(query: string, line: string): boolean {
	const [search = ''] = query.split('|');
	const text = line.toLowerCase();
	return [...search.matchAll(/"([^"]*)"/g)].every(([, phrase = '']) => text.includes(phrase.toLowerCase()));
}

/** Epoch milliseconds (a number or digits), or an ISO 8601 time, read as UTC when it names no zone. */
function searchTime(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	if (/^\d+$/.test(value)) return Number(value);
	const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`;
	const time = Date.parse(zoned);
	return Number.isNaN(time) ? undefined : time;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
	for (const pair of (header ?? '').split(';')) {
		const [key, ...value] = pair.trim().split('=');
		if (key === name) return value.join('=');
	}
	return undefined;
}

const error = (status: number, code: string, message: string) => ({
	status,
	id: randomBytes(5).toString('hex').toUpperCase(),
	code,
	message,
});

const jobIdInvalid = (response: ServerResponse) => reply(response, 404, error(404, 'searchjob.jobid.invalid', 'Job ID is invalid.'));

const methodUnsupported = (response: ServerResponse) =>
	reply(response, 405, error(405, 'method.unsupported', 'Unsupported method for URL.'));

function reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): number {
	response.writeHead(status, {'content-type': 'application/json', ...headers});
	response.end(JSON.stringify(body));
	return status;
}
