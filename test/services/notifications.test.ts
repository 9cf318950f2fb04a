import type {IncomingMessage} from 'node:http';
import {afterEach, describe, expect, it} from 'vitest';
import {createNotifier} from '../../source/services/notifications';
import type {Notification} from '../../source/services/notification-messages';
import {reply, serve, type Loopback} from '../support/loopback';

const servers: Loopback[] = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map(server => server.close()));
});

async function endpoint(handler: Parameters<typeof serve>[0]): Promise<Loopback & {bodies: unknown[]}> {
	const bodies: unknown[] = [];
	const server = await serve((request, response, index) => {
		let text = '';
		request.on('data', chunk => (text += String(chunk)));
		request.on('end', () => {
			bodies.push(JSON.parse(text));
			handler(request, response, index);
		});
	});
	servers.push(server);
	return Object.assign(server, {bodies});
}

const SECRET = 'notify-secret-Zr55Qp';
const scrubber = {scrub: (text: string) => text.replaceAll(SECRET, '***')};

const failure: Notification = {
	kind: 'failed',
	runId: '20261207-050000-dev-abcd',
	env: 'dev',
	stackName: 'convox-dev',
	runKind: 'release',
	mode: 'live',
	text: `convox-ami release failed at build: token ${SECRET} rejected\nResume with: convox-ami resume 20261207-050000-dev-abcd`,
	details: {step: 'build', reason: `token ${SECRET} rejected`},
};

function collectNotices() {
	const said: string[] = [];
	return {said, say: (_level: 'info' | 'warn', message: string) => said.push(message)};
}

const closed = (request: IncomingMessage) =>
	new Promise<void>(resolve => (request.socket.destroyed ? resolve() : request.socket.once('close', () => resolve())));

describe('notifications to Slack and webhooks, over loopback HTTP', () => {
	it('posts Slack its text and a webhook the whole message, scrubbed, in the background', async () => {
		const slack = await endpoint((_request, response) => reply(response, 200, 'ok'));
		const hook = await endpoint((_request, response) => reply(response, 204));
		const {said, say} = collectNotices();
		const notifier = createNotifier({
			targets: [
				{kind: 'slack', webhookEnv: 'SLACK_WEBHOOK_URL'},
				{kind: 'webhook', url: `${hook.url}/hooks/release`},
			],
			environment: {SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/XXXX`},
			say,
		});
		notifier.send(failure, scrubber);
		expect(slack.bodies).toEqual([]);
		await notifier.settled();
		expect(slack.bodies).toEqual([{text: failure.text.replace(SECRET, '***')}]);
		expect(slack.requests[0]?.url).toBe('/services/T000/B000/XXXX');
		expect(hook.bodies).toEqual([
			{...failure, text: failure.text.replace(SECRET, '***'), details: {step: 'build', reason: 'token *** rejected'}},
		]);
		expect(JSON.stringify([...slack.bodies, ...hook.bodies])).not.toContain(SECRET);
		expect(said).toEqual([]);
	});

	it('a hanging endpoint is abandoned at the deadline, with a notice; the others are delivered meanwhile', async () => {
		const hanging = await endpoint(() => undefined);
		const answering = await endpoint((_request, response) => reply(response, 200));
		const {said, say} = collectNotices();
		const notifier = createNotifier({
			targets: [
				{kind: 'webhook', url: hanging.url},
				{kind: 'webhook', url: answering.url},
			],
			environment: {},
			say,
			deadlineMs: 400,
		});
		notifier.send(failure, scrubber);
		await notifier.settled();
		expect(answering.bodies).toHaveLength(1);
		expect(hanging.requests.length).toBeGreaterThan(0);
		await Promise.all(hanging.requests.map(closed));
		expect(said).toEqual([
			`The failed notification to webhook ${hanging.url} was not delivered: no answer in time; gave up after 1 attempt(s) at the deadline. The run goes on.`,
		]);
	});

	it('a failing endpoint is retried, then given up with a notice; a refusal (4xx) is not retried', async () => {
		const failing = await endpoint((_request, response) => reply(response, 503));
		const refusing = await endpoint((_request, response) => reply(response, 404));
		const {said, say} = collectNotices();
		const notifier = createNotifier({
			targets: [
				{kind: 'webhook', url: failing.url},
				{kind: 'webhook', url: refusing.url},
			],
			environment: {},
			say,
			deadlineMs: 30_000,
			attempts: 3,
		});
		notifier.send(failure, scrubber);
		await notifier.settled();
		expect(failing.requests).toHaveLength(3);
		expect(refusing.requests).toHaveLength(1);
		// In either order: the two endpoints answer concurrently.
		expect(said).toHaveLength(2);
		expect(said).toEqual(
			expect.arrayContaining([
				`The failed notification to webhook ${failing.url} was not delivered: HTTP 503; gave up after 3 attempts. The run goes on.`,
				`The failed notification to webhook ${refusing.url} was not delivered: HTTP 404; not retried. The run goes on.`,
			]),
		);
	});

	it('a Slack target whose variable is not set is said once, and sends nothing', () => {
		const {said, say} = collectNotices();
		const notifier = createNotifier({targets: [{kind: 'slack', webhookEnv: 'SLACK_WEBHOOK_URL'}], environment: {}, say});
		notifier.send(failure, scrubber);
		expect(said).toEqual(['SLACK_WEBHOOK_URL is not set: no Slack notifications for this run.']);
	});
});
