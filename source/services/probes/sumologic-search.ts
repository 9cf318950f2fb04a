import {setTimeout as sleep} from 'node:timers/promises';
import {describeFetchError} from './http';
import {formatDuration} from '../../core/format-duration';

/** A SumoLogic deployment's API and an access key pair for it. */
export interface SumoLogicAccount {
	/** The deployment's API origin, e.g. `https://api.us2.sumologic.com` (the config's `logs.api`). */
	api: string;
	accessId: string;
	accessKey: string;
}

export interface SumoLogicSearchRequest extends SumoLogicAccount {
	query: string;
	/** Receipt-time range of the search. */
	from: Date;
	to: Date;
	/** How long the whole search may take, from creating the job to its count. */
	timeoutMs: number;
	signal?: AbortSignal;
	/** Time between status polls; SumoLogic cancels a job not polled for 20-30 s. Default 3 s. */
	pollMs?: number;
	/** First wait after a 429 that names no Retry-After, doubled on each further 429. Default 1 s. */
	backoffMs?: number;
	/** Each poll's job state and count (`search job GATHERING RESULTS, 0 messages`), and rate-limit waits. */
	onProgress?: (detail: string) => void;
}

export interface SumoLogicSearchResult {
	jobId: string;
	/** Messages the finished job found. */
	messageCount: number;
}

/** Why a search did not finish; `retryable` when a later search may succeed. Its message never holds the access key pair. */
export class SumoLogicSearchError extends Error {
	constructor(
		message: string,
		readonly retryable: boolean,
	) {
		super(message);
		this.name = 'SumoLogicSearchError';
	}
}

const JOBS_PATH = '/api/v1/search/jobs';
const REQUEST_TIMEOUT_MS = 15_000;
const DELETE_TIMEOUT_MS = 5000;
const RATE_LIMIT_RETRIES = 4;
/** A longer wait on a 429 would outlast SumoLogic's keep-alive of a job being polled. */
const MAX_RATE_LIMIT_WAIT_MS = 10_000;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

interface ApiAnswer {
	status: number;
	headers: Headers;
	body: Record<string, unknown>;
}

/**
 * Runs one search job: creates it, polls it until it is done gathering results, and answers its message count.
 * The job is deleted at the end whatever happened (best effort). Throws `SumoLogicSearchError`, or the signal's
 * reason when aborted.
 */
export async function sumoLogicSearch(request: SumoLogicSearchRequest): Promise<SumoLogicSearchResult> {
	const started = Date.now();
	const deadline = started + request.timeoutMs;
	const client = new SearchJobClient(request, deadline);
	const created = await client.call('POST', JOBS_PATH, 'search job creation', {
		query: request.query,
		from: isoSeconds(request.from, 'floor'),
		to: isoSeconds(request.to, 'ceil'),
		timeZone: 'UTC',
		byReceiptTime: true,
		// Non-aggregate queries need raw messages for messageCount; the default became false on 2025-10-09.
		requiresRawMessages: true,
	});
	const jobId = jobIdOf(created);
	try {
		for (;;) {
			const status = await client.call('GET', jobPath(jobId), 'search job status');
			if (status.status === 404) {
				throw new SumoLogicSearchError(
					`search job ${jobId} was cancelled (HTTP 404${errorSummary(status.body)}): SumoLogic cancels a job not polled within 20-30 s`,
					true,
				);
			}
			if (status.status < 200 || status.status > 299) {
				throw new SumoLogicSearchError(
					`SumoLogic answered the search job status with HTTP ${status.status}${errorSummary(status.body)}`,
					true,
				);
			}
			const state = String(status.body.state ?? 'UNKNOWN');
			const messageCount = typeof status.body.messageCount === 'number' ? status.body.messageCount : 0;
			request.onProgress?.(`search job ${state}, ${messageCount} message${messageCount === 1 ? '' : 's'}`);
			if (state === 'DONE GATHERING RESULTS') return {jobId, messageCount};
			if (state === 'CANCELLED' || state === 'FORCE PAUSED') {
				throw new SumoLogicSearchError(`search job ${jobId} ended ${state} after ${formatDuration(Date.now() - started)}`, true);
			}
			const left = deadline - Date.now();
			if (left <= 0) {
				throw new SumoLogicSearchError(`search job ${jobId} still ${state} after ${formatDuration(Date.now() - started)}`, true);
			}
			await sleep(Math.min(request.pollMs ?? 3000, left), undefined, {signal: request.signal});
		}
	} finally {
		await client.delete(jobPath(jobId));
	}
}

/** The calls of one search job, sharing the cookies SumoLogic sets: later calls without them answer 404. */
class SearchJobClient {
	private readonly cookies = new Map<string, string>();
	private readonly origin: string;

	constructor(
		private readonly request: SumoLogicSearchRequest,
		private readonly deadline: number,
	) {
		this.origin = new URL(request.api).origin;
	}

	/**
	 * One call, waiting out 429s a few times. Refused credentials and redirects to another deployment fail for
	 * good; no answer, 5xx and a 429 that persists are retryable. 404 is the caller's to judge.
	 */
	async call(method: 'GET' | 'POST', path: string, what: string, body?: unknown): Promise<ApiAnswer> {
		for (let limited = 0; ; limited++) {
			const answer = await this.send(method, path, what, body, REQUEST_TIMEOUT_MS);
			if (answer.status === 429 && limited < RATE_LIMIT_RETRIES) {
				const wait = Math.min(
					retryAfterMs(answer.headers.get('retry-after')) ?? (this.request.backoffMs ?? 1000) * 2 ** limited,
					MAX_RATE_LIMIT_WAIT_MS,
					Math.max(this.deadline - Date.now(), 0),
				);
				this.request.onProgress?.(`SumoLogic rate limit (HTTP 429) on the ${what}; retrying in ${formatDuration(wait)}`);
				await sleep(wait, undefined, {signal: this.request.signal});
				continue;
			}
			return this.judge(answer, what);
		}
	}

	/** Best effort: a job left behind only counts against the 200 concurrent jobs until SumoLogic times it out. */
	async delete(path: string): Promise<void> {
		try {
			await this.send('DELETE', path, 'search job deletion', undefined, DELETE_TIMEOUT_MS, false);
		} catch {
			// Nothing to do about it: the search's own outcome matters more.
		}
	}

	private async send(method: string, path: string, what: string, body: unknown, timeoutMs: number, abortable = true): Promise<ApiAnswer> {
		const timeout = AbortSignal.timeout(Math.min(timeoutMs, Math.max(this.deadline - Date.now(), 1000)));
		const signal = abortable && this.request.signal ? AbortSignal.any([this.request.signal, timeout]) : timeout;
		const credentials = Buffer.from(`${this.request.accessId}:${this.request.accessKey}`).toString('base64');
		const headers: Record<string, string> = {authorization: `Basic ${credentials}`, accept: 'application/json'};
		if (body !== undefined) headers['content-type'] = 'application/json';
		if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
		let response: Response;
		let text: string;
		try {
			response = await fetch(`${this.origin}${path}`, {
				method,
				headers,
				signal,
				redirect: 'manual',
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			text = await response.text();
		} catch (error) {
			if (abortable) this.request.signal?.throwIfAborted();
			const why = describeFetchError(error);
			// Every deployment's API host resolves: one that does not is a mistyped logs.api, not a passing fault.
			if (why === 'ENOTFOUND')
				throw new SumoLogicSearchError(`SumoLogic API host ${this.origin} does not resolve (ENOTFOUND): check logs.api`, false);
			throw new SumoLogicSearchError(`SumoLogic API at ${this.origin} did not answer the ${what}: ${why}`, true);
		}
		for (const cookie of response.headers.getSetCookie()) {
			const [pair = ''] = cookie.split(';');
			const equals = pair.indexOf('=');
			if (equals > 0) this.cookies.set(pair.slice(0, equals).trim(), pair.slice(equals + 1).trim());
		}
		return {status: response.status, headers: response.headers, body: parseObject(text)};
	}

	private judge(answer: ApiAnswer, what: string): ApiAnswer {
		const {status} = answer;
		if (status === 401 || status === 403) {
			throw new SumoLogicSearchError(
				`SumoLogic refused the ${what} (HTTP ${status}${errorSummary(answer.body)}): check SUMOLOGIC_ACCESS_ID and SUMOLOGIC_ACCESS_KEY; the Search Job API needs an Enterprise account`,
				false,
			);
		}
		if (REDIRECTS.has(status)) {
			const location = answer.headers.get('location');
			const deployment = location && URL.canParse(location) ? new URL(location).origin : 'another deployment';
			throw new SumoLogicSearchError(
				`SumoLogic at ${this.origin} sent the ${what} to ${deployment} (HTTP ${status}): the account is on that deployment; set logs.api to it`,
				false,
			);
		}
		if (status === 429) {
			throw new SumoLogicSearchError(
				`SumoLogic kept rate-limiting the ${what} (HTTP 429${errorSummary(answer.body)}): 4 requests/s and 200 concurrent search jobs per organisation`,
				true,
			);
		}
		if (status >= 500)
			throw new SumoLogicSearchError(`SumoLogic answered the ${what} with HTTP ${status}${errorSummary(answer.body)}`, true);
		return answer;
	}
}

/** The new job's id, from the body or else the Location header. */
function jobIdOf(created: ApiAnswer): string {
	if (created.status === 400) {
		throw new SumoLogicSearchError(`SumoLogic rejected the search (HTTP 400${errorSummary(created.body)})`, false);
	}
	const location = created.headers.get('location');
	const id = typeof created.body.id === 'string' ? created.body.id : location?.split('/').filter(Boolean).pop();
	if (created.status < 200 || created.status > 299 || !id) {
		throw new SumoLogicSearchError(
			`SumoLogic answered the search job creation with HTTP ${created.status}${errorSummary(created.body)}`,
			true,
		);
	}
	return id;
}

const jobPath = (jobId: string) => `${JOBS_PATH}/${encodeURIComponent(jobId)}`;

/** `YYYY-MM-DDTHH:mm:ss` in UTC, the form SumoLogic documents, rounded to a whole second outwards. */
function isoSeconds(date: Date, round: 'floor' | 'ceil'): string {
	const seconds = round === 'floor' ? Math.floor(date.getTime() / 1000) : Math.ceil(date.getTime() / 1000);
	return new Date(seconds * 1000).toISOString().slice(0, 19);
}

/** SumoLogic's error document `{status, id, code, message}` as `: code: message`, or nothing. */
function errorSummary(body: Record<string, unknown>): string {
	const parts = [body.code, body.message].filter(part => typeof part === 'string' && part !== '') as string[];
	return parts.length === 0 ? '' : `: ${parts.join(': ').slice(0, 200)}`;
}

function parseObject(text: string): Record<string, unknown> {
	try {
		const value: unknown = JSON.parse(text);
		return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
	} catch {
		return {};
	}
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
	if (header === null || header.trim() === '') return undefined;
	const seconds = Number(header);
	if (Number.isFinite(seconds)) return Math.max(seconds * 1000, 0);
	const date = Date.parse(header);
	return Number.isNaN(date) ? undefined : Math.max(date - Date.now(), 0);
}
