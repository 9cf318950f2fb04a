import {randomBytes} from 'node:crypto';

/** The query parameter that carries the marker to the hello-world app. */
const MARKER_PARAMETER = 'convox-ami-marker';
const MARKER_TIMEOUT_MS = 10_000;

/**
 * A marker no other probe sends: `convox-ami-<run id or random>-<random>`. Lower-case letters, digits and
 * dashes only, so that it survives a URL and one quoted search term finds it.
 */
export function newMarker(runId?: string): string {
	const run = runId
		?.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '');
	return `convox-ami-${run || randomBytes(4).toString('hex')}-${randomBytes(6).toString('hex')}`;
}

/**
 * GETs the hello-world app with the marker in the query and in the user agent, so that the HTTP log line
 * logspout ships holds it. Answers when the request was sent; throws when the app did not answer 2xx.
 */
export async function sendMarker(helloWorldUrl: string, marker: string, signal?: AbortSignal): Promise<Date> {
	const url = new URL(helloWorldUrl);
	url.searchParams.set(MARKER_PARAMETER, marker);
	const timeout = AbortSignal.timeout(MARKER_TIMEOUT_MS);
	const sentAt = new Date();
	const response = await fetch(url, {
		signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
		headers: {'user-agent': `convox-ami checklist ${marker}`},
	});
	await response.arrayBuffer();
	if (!response.ok) throw new Error(`HTTP ${response.status}`);
	return sentAt;
}
