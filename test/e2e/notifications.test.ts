import {readFile, writeFile} from 'node:fs/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {runCli} from '../support/cli-env';
import {reply, serve, type Loopback} from '../support/loopback';
import {createStackWorld, type StackWorld} from '../support/stack-e2e-world';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
	await Promise.all(cleanups.splice(0).map(cleanup => cleanup()));
});

type Body = Record<string, unknown>;

async function recorder(status: number | 'hang'): Promise<Loopback & {bodies: Body[]}> {
	const bodies: Body[] = [];
	const server = await serve((request, response) => {
		let text = '';
		request.on('data', chunk => (text += String(chunk)));
		request.on('end', () => {
			bodies.push(JSON.parse(text) as Body);
			if (status !== 'hang') reply(response, status);
		});
	});
	cleanups.push(() => server.close());
	return Object.assign(server, {bodies});
}

/** The stack world with three targets: Slack (by its variable), a webhook that answers, and one that never does. */
async function notifyingWorld() {
	const world: StackWorld = await createStackWorld();
	cleanups.push(() => world.close());
	const [slack, hook, hanging] = await Promise.all([recorder(200), recorder(204), recorder('hang')]);
	const config = JSON.parse(await readFile(world.configPath, 'utf8')) as Record<string, unknown>;
	config.notify = [
		{kind: 'slack', webhookEnv: 'SLACK_WEBHOOK_URL'},
		{kind: 'webhook', url: `${hook.url}/release-events`},
		{kind: 'webhook', url: hanging.url},
	];
	await writeFile(world.configPath, JSON.stringify(config, null, 2));
	const env: NodeJS.ProcessEnv = {
		...world.env,
		SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/secret-path`,
		CONVOX_AMI_NOTIFY_TIMEOUT: '1',
	};
	return {world, slack, hook, hanging, env};
}

describe('notifications of a release that waits for approval, then is approved', () => {
	it('says started, waiting (with the change set and how to approve), started again and finished (AMI and version); a hanging endpoint slows nothing down for good', async () => {
		const {world, slack, hook, hanging, env} = await notifyingWorld();
		const preview = await runCli([...world.releaseArgs, '--until', 'preview', '--json'], {cwd: world.dir, env});
		expect(preview.code, preview.stderr).toBe(3);
		const runId = String(preview.events[0]?.runId);
		expect(hook.bodies.map(body => body.kind)).toEqual(['started', 'waiting']);
		const waiting = hook.bodies[1]!;
		expect(waiting).toMatchObject({
			runId,
			env: 'dev',
			stackName: 'convox-dev',
			details: {approveWith: `convox-ami resume ${runId} --approve`},
		});
		expect(String(waiting.text)).toMatch(
			/waits for approval of change set convox-ami-\S+: https:\/\/us-east-1\.console\.aws\.amazon\.com\//,
		);
		expect(String(waiting.text)).toContain('Version: 20160820033210 → 20160916121812');
		expect(String(waiting.text)).toMatch(/Modify LaunchConfiguration \(AWS::AutoScaling::LaunchConfiguration\) REPLACED/);
		expect(slack.bodies.map(body => Object.keys(body))).toEqual([['text'], ['text']]);
		expect(slack.bodies[1]?.text).toBe(waiting.text);
		expect(hanging.bodies).toHaveLength(2);
		expect(preview.events).toContainEqual(
			expect.objectContaining({
				type: 'notice',
				message: expect.stringContaining(`to webhook ${hanging.url} was not delivered: no answer in time`),
			}),
		);

		const approved = await runCli(['resume', runId, '--approve', '--confirm', 'sumologic', '--json'], {cwd: world.dir, env});
		expect(approved.code, approved.stderr).toBe(0);
		expect(hook.bodies.map(body => body.kind)).toEqual(['started', 'waiting', 'started', 'finished']);
		const amiId = world.aws.state.parameters('convox-dev').Ami;
		expect(hook.bodies[3]).toMatchObject({details: {amiId, convoxVersion: '20160916121812'}});
		expect(String(hook.bodies[3]?.text)).toContain(`finished: AMI ${amiId}, Convox 20160916121812.`);

		const everything = JSON.stringify([...slack.bodies, ...hook.bodies, ...hanging.bodies]);
		for (const secret of [env.LIBRATO_TOKEN!, env.LOGSPOUT_TOKEN!, env.LIBRATO_EMAIL!, 'secret-path'])
			expect(everything).not.toContain(secret);
		expect(`${preview.stdout}${preview.stderr}${approved.stdout}${approved.stderr}`).not.toContain('secret-path');
	});

	it('a failure says where and how to resume', async () => {
		const {world, hook, env} = await notifyingWorld();
		const failed = await runCli(world.releaseArgs, {cwd: world.dir, env: {...env, LOGSPOUT_TOKEN: ''}});
		expect(failed.code).not.toBe(0);
		const last = hook.bodies.at(-1)!;
		expect(last).toMatchObject({kind: 'failed', details: {step: 'build'}});
		expect(String(last.text)).toContain(`Resume with: convox-ami resume ${String(last.runId)}`);
	});
});
