import type {NotifyTarget} from '../config/schema';
import type {RunSecrets} from '../core/secrets';
import type {Run, RunEvent} from '../core/types';
import type {Notification} from './notification-messages';
import {errorText} from '../core/errors';

export interface NotifierOptions {
	targets: NotifyTarget[];
	environment: NodeJS.ProcessEnv;
	/** What a target that could not be reached, or is not configured, is worth saying. */
	say(level: 'info' | 'warn', message: string): void;
	/** How long one message may take to one target, all attempts together; default 10 s (`CONVOX_AMI_NOTIFY_TIMEOUT`, seconds). */
	deadlineMs?: number;
	attempts?: number;
}

export interface Notifier {
	/** Sends in the background: never waits, never throws. */
	send(notification: Notification, secrets: Pick<RunSecrets, 'scrub'>): void;
	/** Resolves once every message sent so far was delivered or given up (each within its deadline). */
	settled(): Promise<void>;
}

interface Endpoint {
	/** For people: never the URL of a Slack webhook (it is a credential), only a webhook's origin. */
	name: string;
	url: string;
	body(notification: Notification): unknown;
}

const DEFAULT_DEADLINE_MS = 10_000;
const DEFAULT_ATTEMPTS = 3;
const FIRST_BACKOFF_MS = 250;

function endpointsOf(targets: NotifyTarget[], environment: NodeJS.ProcessEnv, say: NotifierOptions['say']): Endpoint[] {
	return targets.flatMap((target): Endpoint[] => {
		if (target.kind === 'webhook')
			return [{name: `webhook ${new URL(target.url).origin}`, url: target.url, body: notification => notification}];
		const url = environment[target.webhookEnv];
		if (!url) {
			say('warn', `${target.webhookEnv} is not set: no Slack notifications for this run.`);
			return [];
		}
		return [{name: `Slack (${target.webhookEnv})`, url, body: notification => ({text: notification.text})}];
	});
}

/** Every string in the body through the run's scrubber: a message never carries a secret. */
function scrubbed(value: unknown, scrub: (text: string) => string): unknown {
	if (typeof value === 'string') return scrub(value);
	if (Array.isArray(value)) return value.map(item => scrubbed(item, scrub));
	if (value && typeof value === 'object')
		return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubbed(item, scrub)]));
	return value;
}

const retryable = (status: number) => status === 429 || status >= 500;

/**
 * One POST, its status, or a thrown error; no keep-alive, so a finished run's process is free to exit.
 * node:http and node:https (TLS) load with the first notification, not before the screen's first frame.
 */
async function post(url: string, body: string, timeoutMs: number): Promise<number> {
	const target = new URL(url);
	const {request: send} = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
	return new Promise((resolve, reject) => {
		const request = send(
			target,
			{method: 'POST', agent: false, headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)}},
			response => {
				response.resume();
				response.on('end', () => resolve(response.statusCode ?? 0));
				response.on('error', reject);
			},
		);
		request.setTimeout(timeoutMs, () => request.destroy(Object.assign(new Error('no answer in time'), {name: 'TimeoutError'})));
		request.on('error', reject);
		request.end(body);
	});
}

async function deliver(endpoint: Endpoint, body: string, deadline: number, attempts: number): Promise<string | undefined> {
	let problem = 'no attempt';
	for (let attempt = 1; attempt <= attempts; attempt++) {
		const remaining = deadline - Date.now();
		if (remaining <= 0) return `${problem}; gave up after ${attempt - 1} attempt(s) at the deadline`;
		try {
			const status = await post(endpoint.url, body, remaining);
			if (status >= 200 && status < 300) return undefined;
			problem = `HTTP ${status}`;
			if (!retryable(status)) return `${problem}; not retried`;
		} catch (error) {
			problem = errorText(error);
		}
		const pause = Math.min(FIRST_BACKOFF_MS * 2 ** (attempt - 1), deadline - Date.now());
		if (attempt < attempts && pause > 0) await new Promise(resolve => setTimeout(resolve, pause));
	}
	return `${problem}; gave up after ${attempts} attempts`;
}

/** Notifications as one more consumer of a run's events: in the background, with retries and a deadline, never failing the release. */
export function createNotifier(options: NotifierOptions): Notifier {
	const endpoints = endpointsOf(options.targets, options.environment, options.say);
	const fromEnvironment = Number(options.environment.CONVOX_AMI_NOTIFY_TIMEOUT) * 1000;
	const deadlineMs = options.deadlineMs ?? (fromEnvironment > 0 ? fromEnvironment : DEFAULT_DEADLINE_MS);
	const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
	const pending = new Set<Promise<void>>();
	return {
		send(notification, secrets) {
			for (const endpoint of endpoints) {
				const body = JSON.stringify(scrubbed(endpoint.body(notification), text => secrets.scrub(text)));
				const delivery = deliver(endpoint, body, Date.now() + deadlineMs, attempts).then(
					problem => {
						if (problem)
							options.say(
								'warn',
								`The ${notification.kind} notification to ${endpoint.name} was not delivered: ${problem}. The run goes on.`,
							);
					},
					() => undefined,
				);
				pending.add(delivery);
				void delivery.finally(() => pending.delete(delivery));
			}
		},
		async settled() {
			await Promise.all([...pending]);
		},
	};
}

/** The run's sink, and the notifier fed from the same events. */
export function notifyingSink(
	sink: (event: RunEvent, run: Run) => void,
	notifier: Notifier,
	compose: (event: RunEvent, run: Run) => Notification | undefined,
	secrets: Pick<RunSecrets, 'scrub'>,
): (event: RunEvent, run: Run) => void {
	return (event, run) => {
		sink(event, run);
		const notification = compose(event, run);
		if (notification) notifier.send(notification, secrets);
	};
}
