import pRetry, {AbortError} from 'p-retry';
import {errorName, errorText, StepFailedError, UsageError} from '../core/errors';
import {versionsSchema, type Formation, type ReleasesService} from '../core/releases';

const DEFAULT_RELEASES_URL = 'https://convox.s3.amazonaws.com/release';

export interface ReleasesOptions {
	baseUrl?: string;
	timeoutMs?: number;
	retries?: number;
	minRetryDelayMs?: number;
}

class HttpStatusError extends Error {
	constructor(
		readonly status: number,
		url: string,
	) {
		super(`${url} answered HTTP ${status}`);
	}
}

type HttpOptions = Required<Omit<ReleasesOptions, 'baseUrl'>>;

/** S3 answers a missing key with 404, or 403 when the bucket does not allow listing. */
const MISSING = new Set([403, 404]);

async function fetchOnce(url: string, {timeoutMs, retries, minRetryDelayMs}: HttpOptions, signal?: AbortSignal): Promise<string> {
	return pRetry(
		async () => {
			const timeout = AbortSignal.timeout(timeoutMs);
			const response = await fetch(url, {signal: signal ? AbortSignal.any([signal, timeout]) : timeout});
			if (response.status >= 500) throw new HttpStatusError(response.status, url);
			if (!response.ok) throw new AbortError(new HttpStatusError(response.status, url));
			return response.text();
		},
		{retries, minTimeout: minRetryDelayMs, factor: 2, signal, shouldRetry: () => !signal?.aborted},
	);
}

function operatorError(error: unknown, url: string, {timeoutMs, retries}: HttpOptions, signal?: AbortSignal): unknown {
	if (signal?.aborted) return error;
	if (error instanceof HttpStatusError) {
		if (error.status < 500)
			return new StepFailedError(`Cannot fetch ${url}: HTTP ${error.status}.`, 'Check the version and CONVOX_RELEASES_URL.');
		return new StepFailedError(
			`Cannot fetch ${url}: HTTP ${error.status} (after ${retries + 1} attempts).`,
			'Run `convox-ami resume` when it answers again, or set CONVOX_RELEASES_URL to a mirror.',
		);
	}
	const reason =
		errorName(error) === 'TimeoutError'
			? `no answer within ${timeoutMs / 1000} s`
			: ((error as Error & {cause?: Error}).cause?.message ?? errorText(error));
	return new StepFailedError(
		`Cannot fetch ${url}: ${reason} (after ${retries + 1} attempts).`,
		'Check the network or CONVOX_RELEASES_URL, then run `convox-ami resume`.',
	);
}

async function fetchText(url: string, http: HttpOptions, signal?: AbortSignal): Promise<string> {
	return fetchOnce(url, http, signal).catch(error => {
		throw operatorError(error, url, http, signal);
	});
}

/** The text at the first of `urls` that exists; a missing one (HTTP 403/404) moves on to the next. */
async function fetchFirst(urls: string[], http: HttpOptions, signal?: AbortSignal): Promise<{url: string; text: string}> {
	for (const [index, url] of urls.entries()) {
		try {
			return {url, text: await fetchOnce(url, http, signal)};
		} catch (error) {
			const missing = error instanceof HttpStatusError && MISSING.has(error.status);
			if (missing && index < urls.length - 1) continue;
			if (missing)
				throw new StepFailedError(
					`Cannot fetch the template: ${urls.join(' and ')} answered HTTP ${error.status}.`,
					'Check the version and CONVOX_RELEASES_URL.',
				);
			throw operatorError(error, url, http, signal);
		}
	}
	throw new StepFailedError('No template URL to fetch.');
}

function parseJson(text: string, url: string): unknown {
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new UsageError(
			`${url} is not valid JSON: ${errorText(error)}`,
			'The release files may be mid-publish; try again later or pin --convox-version.',
		);
	}
}

/**
 * Convox's release files over HTTP: `$BASE/versions.json` and the rack template of a version,
 * `$BASE/$V/formation.json`, or `$BASE/$V/rack.json` where a release publishes only that.
 */
export function createReleasesService(options: ReleasesOptions = {}): ReleasesService {
	const baseUrl = (options.baseUrl ?? DEFAULT_RELEASES_URL).replace(/\/+$/, '');
	const http = {timeoutMs: options.timeoutMs ?? 15_000, retries: options.retries ?? 3, minRetryDelayMs: options.minRetryDelayMs ?? 500};
	return {
		baseUrl,
		templateUrl: version => `${baseUrl}/${version}/formation.json`,
		async versions(signal) {
			const url = `${baseUrl}/versions.json`;
			const data = parseJson(await fetchText(url, http, signal), url);
			const result = versionsSchema.safeParse(data);
			if (!result.success) {
				const first = result.error.issues[0];
				const where = first?.path.length ? `[${first.path.join('].')}` : 'the top level';
				throw new UsageError(
					`${url} does not look like Convox's versions.json (at ${where}: ${first?.message}).`,
					'Check CONVOX_RELEASES_URL.',
				);
			}
			return result.data;
		},
		async formation(version, signal) {
			const {url, text} = await fetchFirst([`${baseUrl}/${version}/formation.json`, `${baseUrl}/${version}/rack.json`], http, signal);
			const template = parseJson(text, url);
			if (typeof template !== 'object' || template === null || Array.isArray(template)) {
				throw new UsageError(`${url} is not a CloudFormation template.`, 'Check the version and CONVOX_RELEASES_URL.');
			}
			return {url, bytes: Buffer.byteLength(text), template: template as Formation};
		},
	};
}
