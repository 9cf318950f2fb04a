import {chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {listenOnLoopback} from '../../source/rehearsal/loopback-server';
import {buildHost, RELEASES, type AmazonLinux} from '../support/amazon-linux-build-host.js';

const packerDir = fileURLToPath(new URL('../../packer/', import.meta.url));
const script = path.join(packerDir, 'convox-ami', 'convox-ami-first-boot.sh');
const fixtures = fileURLToPath(new URL('../fixtures/ecs/', import.meta.url));
const fixture = (name: string) => readFile(path.join(fixtures, name), 'utf8');

const INSTANCE_ARN = 'arn:aws:ecs:us-east-1:123456789012:container-instance/3e7a4b2c-91d0-4c8e-b5f1-6a2d9c0e7f14';
const CLUSTER = 'convox-dev-Cluster-1E4XJ0PQWNAYY';
const TASK_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/6f1e2d3c-4b5a-4978-8e6d-1c2b3a4f5e6d';
const INSTANCE_ID = 'i-0123456789abcdef0';
const TOKEN = 'logspout-fedcba9876543210';
const TOOLS = [
	'bash',
	'sh',
	'curl',
	'jq',
	'date',
	'cat',
	'mkdir',
	'flock',
	'sleep',
	'tr',
	'cut',
	'mv',
	'rm',
	'chmod',
	'chown',
	'stat',
	'cp',
	'sed',
	'grep',
];

// Records its argv (NUL-separated, one file per call) and the content and mode of any file:// argument.
// Calls 1 up to FAKE_AWS_FAILURES fail: the first with an API error, the second with a parameter
// error that echoes the overrides (as botocore's validation errors do), the others with the `failures`
// answer ECS gives when no task could start.
const FAKE_AWS = `#!/usr/bin/env bash
set -eu
count=$(( $(cat "$FAKE_AWS_DIR/count" 2>/dev/null || echo 0) + 1 ))
echo "$count" >"$FAKE_AWS_DIR/count"
printf '%s\\0' "$@" >"$FAKE_AWS_DIR/call-$count"
overrides=''
for arg in "$@"; do
	case $arg in
	file://*)
		overrides=$(cat "\${arg#file://}")
		printf '%s' "$overrides" >"$FAKE_AWS_DIR/call-$count.overrides"
		stat -c %a "\${arg#file://}" >"$FAKE_AWS_DIR/call-$count.mode"
		;;
	esac
done
if [ "$count" -le "\${FAKE_AWS_FAILURES:-0}" ]; then
	case $count in
	1) echo 'An error occurred (ServerException) when calling the StartTask operation: Service Unavailable' >&2 ;;
	2) echo "Parameter validation failed: Invalid type for parameter overrides, value: $overrides" >&2 ;;
	*)
		echo '{"tasks": [], "failures": [{"arn": "x", "reason": "RESOURCE:MEMORY"}]}'
		exit 0
		;;
	esac
	exit 255
fi
cat "$FAKE_AWS_RESPONSE"
`;

// Records each call as one line; FAKE_FAIL names a command that exits 1.
const FAKE = `#!/bin/sh
echo "\${0##*/} $*" >>"$FAKE_CALLS"
if [ "\${0##*/}" = "\${FAKE_FAIL:-}" ]; then exit 1; fi
`;

interface Endpoint {
	port: number;
	url: string;
	requests: () => string[];
	close: () => Promise<void>;
}

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void, port = 0): Promise<Endpoint> {
	const requests: string[] = [];
	const server = await listenOnLoopback((request, response) => {
		requests.push(`${request.method} ${request.url}`);
		handler(request, response);
	}, port);
	const endpoint = {...server, requests: () => requests};
	endpoints.push(endpoint);
	return endpoint;
}

/** A loopback ECS agent introspection API answering each request with the next planned response (the last one repeats). */
function startAgent(responses: Array<{status: number; body: string}>, port = 0): Promise<Endpoint> {
	let served = 0;
	return listen((request, response) => {
		if (request.url !== '/v1/metadata') {
			response.writeHead(404).end();
			return;
		}
		const planned = responses[Math.min(served++, responses.length - 1)]!;
		response.writeHead(planned.status, {'content-type': 'application/json'}).end(planned.body);
	}, port);
}

/**
 * A loopback instance metadata service. With IMDSv2 it hands out a session token and answers only
 * requests that carry it; without, it refuses the token request as a pre-2019 endpoint does. The
 * first `unavailable` instance-id requests get a 500. It answers as instance `instanceId`.
 */
function startMetadata({v2 = true, unavailable = 0, instanceId = INSTANCE_ID} = {}): Promise<Endpoint> {
	const sessionToken = 'imds-session-token';
	let served = 0;
	return listen((request, response) => {
		if (request.method === 'PUT' && request.url === '/latest/api/token') {
			if (v2 && request.headers['x-aws-ec2-metadata-token-ttl-seconds'] === '300') response.writeHead(200).end(sessionToken);
			else response.writeHead(v2 ? 400 : 404).end();
			return;
		}
		if (request.method !== 'GET' || request.url !== '/latest/meta-data/instance-id') {
			response.writeHead(404).end();
			return;
		}
		if (served++ < unavailable) {
			response.writeHead(500).end();
			return;
		}
		if (v2 && request.headers['x-aws-ec2-metadata-token'] !== sessionToken) {
			response.writeHead(401).end();
			return;
		}
		response.writeHead(200, {'content-type': 'text/plain'}).end(instanceId);
	});
}

async function freePort(): Promise<number> {
	const endpoint = await listen((_request, response) => response.end());
	await endpoint.close();
	endpoints.splice(endpoints.indexOf(endpoint), 1);
	return endpoint.port;
}

let sandbox: string;
let bin: string;
let endpoints: Endpoint[];

async function fake(name: string, content = FAKE) {
	await writeFile(path.join(bin, name), content);
	await chmod(path.join(bin, name), 0o755);
}

beforeEach(async () => {
	sandbox = await mkdtemp(path.join(tmpdir(), 'convox-ami-first-boot-'));
	bin = path.join(sandbox, 'bin');
	endpoints = [];
	await mkdir(bin);
	for (const tool of TOOLS) await symlink((await execa('sh', ['-c', `command -v ${tool}`])).stdout, path.join(bin, tool));
	await fake('aws', FAKE_AWS);
	await fake('systemctl');
	await writeFile(path.join(sandbox, 'start-task.json'), await fixture('start-task.response.json'));
	await writeFile(path.join(sandbox, 'logspout-token'), `${TOKEN}\n`, {mode: 0o600});
});

afterEach(async () => {
	await Promise.all(endpoints.map(endpoint => endpoint.close()));
	await rm(sandbox, {recursive: true, force: true});
});

const stateDir = () => path.join(sandbox, 'state');
const collectdDir = () => path.join(sandbox, 'collectd.d');

function testEnv(agent: number, metadata: Endpoint, env: Record<string, string>): Record<string, string> {
	return {
		PATH: bin,
		ECS_AGENT_URL: `http://127.0.0.1:${agent}`,
		AWS_EC2_METADATA_SERVICE_ENDPOINT: `${metadata.url}/`,
		COLLECTD_CONF_DIR: collectdDir(),
		LOGSPOUT_TOKEN_FILE: path.join(sandbox, 'logspout-token'),
		CONVOX_AMI_STATE_DIR: stateDir(),
		CONVOX_AMI_POLL_SECONDS: '0.05',
		CONVOX_AMI_RETRY_SECONDS: '0.05',
		FAKE_AWS_DIR: sandbox,
		FAKE_AWS_RESPONSE: path.join(sandbox, 'start-task.json'),
		FAKE_CALLS: path.join(sandbox, 'calls.log'),
		...env,
	};
}

function firstBoot(agent: number, metadata: Endpoint, env: Record<string, string> = {}, file = script) {
	return execa(path.join(bin, 'bash'), [file], {
		extendEnv: false,
		env: testEnv(agent, metadata, {CONVOX_AMI_ENV: 'dev', ...env}),
		reject: false,
		timeout: 20_000,
	});
}

async function awsCalls(): Promise<string[][]> {
	const files = (await readdir(sandbox)).filter(name => /^call-\d+$/.test(name)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
	return Promise.all(files.map(async name => (await readFile(path.join(sandbox, name), 'utf8')).split('\0').slice(0, -1)));
}

const calls = async () =>
	existsSync(path.join(sandbox, 'calls.log')) ? (await readFile(path.join(sandbox, 'calls.log'), 'utf8')).trim().split('\n') : [];
const overridesFile = () => path.join(stateDir(), 'start-task-overrides.json');

const startTask = (instanceArn: string, startedBy: string, region: string, taskDefinition = 'logspout-dev', overrides = true) => [
	'ecs',
	'start-task',
	'--cluster',
	CLUSTER,
	'--task-definition',
	taskDefinition,
	'--container-instances',
	instanceArn,
	'--started-by',
	startedBy,
	...(overrides ? ['--overrides', `file://${overridesFile()}`] : []),
	'--region',
	region,
	'--output',
	'json',
];

const tokenOverride = {containerOverrides: [{name: 'logspout', environment: [{name: 'LOGSPOUT_TOKEN', value: TOKEN}]}]};

async function everythingWritten(): Promise<string> {
	const entries = await readdir(sandbox, {withFileTypes: true, recursive: true});
	const files = entries.filter(entry => entry.isFile() && !/^call-\d+\.overrides$/.test(entry.name) && entry.name !== 'logspout-token');
	return (await Promise.all(files.map(entry => readFile(path.join(entry.parentPath, entry.name), 'utf8')))).join('\n');
}

interface Boot {
	file: string;
	args: string[];
	env: Record<string, string>;
}

/**
 * Provisions a sandboxed build host of the release (env `dev`), then returns how its init starts the
 * installed job at boot: systemd runs ExecStart with EnvironmentFile's variables; upstart runs the
 * job's script with sh -e. The paths the unit or job name are taken into the sandbox's root.
 */
async function provisionedBoot(release: AmazonLinux): Promise<Boot> {
	const host = await buildHost(sandbox, release);
	// Amazon Linux 1 has no CloudWatch agent (it needs systemd): its images ship to Librato.
	const metrics: Record<string, string> =
		RELEASES[release].init === 'upstart'
			? {METRICS_BACKEND: 'librato', LIBRATO_EMAIL: 'ops@example.com', LIBRATO_TOKEN: 'librato-0123456789abcdef'}
			: {};
	const provision = await host.provision({...metrics, LOGSPOUT_TOKEN: TOKEN});
	expect(provision.all).toContain('convox-ami provision: done');
	const inRoot = (text: string) =>
		text.replaceAll('/etc/convox-ami/', `${host.root}/etc/convox-ami/`).replaceAll('/usr/local/sbin/', `${host.root}/usr/local/sbin/`);
	const tokenFile = {LOGSPOUT_TOKEN_FILE: path.join(host.root, 'etc', 'convox-ami', 'logspout-token')};
	if (RELEASES[release].init === 'upstart') {
		const job = await readFile(path.join(host.root, 'etc', 'init', 'convox-ami-first-boot.conf'), 'utf8');
		const body = /^script\n([\s\S]*?)^end script$/m.exec(job)![1]!;
		// Amazon Linux 1 restarts collectd with service and chkconfig; it has no systemctl.
		await rm(path.join(bin, 'systemctl'));
		await fake('service');
		await fake('chkconfig');
		return {file: path.join(bin, 'sh'), args: ['-e', '-c', inRoot(body)], env: tokenFile};
	}
	const unit = await readFile(path.join(host.root, 'etc', 'systemd', 'system', 'convox-ami-first-boot.service'), 'utf8');
	const environmentFile = inRoot(/^EnvironmentFile=(.+)$/m.exec(unit)![1]!);
	const lines = (await readFile(environmentFile, 'utf8')).split('\n').filter(Boolean);
	const settings = Object.fromEntries(lines.map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
	expect(settings).toEqual({CONVOX_AMI_ENV: 'dev', LOGSPOUT_TASK_DEFINITION: 'logspout-dev'});
	return {file: inRoot(/^ExecStart=(.+)$/m.exec(unit)![1]!), args: [], env: {...tokenFile, ...settings}};
}

function boot({file, args, env}: Boot, agent: Endpoint, metadata: Endpoint, extra: Record<string, string> = {}) {
	return execa(file, args, {extendEnv: false, env: {...testEnv(agent.port, metadata, env), ...extra}, reject: false, timeout: 20_000});
}

const COLLECTD_RESTART: Record<AmazonLinux, string[]> = {
	al1: ['chkconfig collectd on', 'service collectd restart'],
	al2: ['systemctl enable collectd', 'systemctl restart collectd'],
	al2023: ['systemctl enable collectd', 'systemctl restart collectd'],
};

describe.each<AmazonLinux>(['al1', 'al2', 'al2023'])('convox-ami-first-boot provisioned on %s, run as its init runs it', release => {
	it('names the collectd host and starts logspout-dev with the token, once per instance across boots', async () => {
		const job = await provisionedBoot(release);
		const agent = await startAgent([{status: 200, body: await fixture('agent-introspection-v1-metadata.json')}]);
		const metadata = await startMetadata();

		const result = await boot(job, agent, metadata);

		expect(result.stderr).toContain(`started ${TASK_ARN}`);
		expect(result.stderr).toContain('collectd reports as aws.dev.i-0123456789abcdef0');
		expect(result.exitCode).toBe(0);
		expect(await readFile(path.join(collectdDir(), 'hostname.conf'), 'utf8')).toBe('Hostname "aws.dev.i-0123456789abcdef0"\n');
		expect(metadata.requests()).toEqual(['PUT /latest/api/token', 'GET /latest/meta-data/instance-id']);
		expect(await calls()).toEqual(COLLECTD_RESTART[release]);

		const awsArgv = await awsCalls();
		expect(awsArgv).toEqual([startTask(INSTANCE_ARN, '3e7a4b2c-91d0-4c8e-b5f1-6a2d9c0e7f14', 'us-east-1')]);
		expect(JSON.parse(await readFile(path.join(sandbox, 'call-1.overrides'), 'utf8'))).toEqual(tokenOverride);
		expect((await readFile(path.join(sandbox, 'call-1.mode'), 'utf8')).trim()).toBe('600');
		expect(existsSync(overridesFile())).toBe(false);

		expect(awsArgv.flat().join(' ')).not.toContain(TOKEN);
		expect(result.stdout + result.stderr).not.toContain(TOKEN);
		expect(await everythingWritten()).not.toContain(TOKEN);
		expect(await readFile(path.join(stateDir(), 'logspout-started'), 'utf8')).toBe(`${INSTANCE_ID} ${INSTANCE_ARN} ${TASK_ARN}\n`);
		expect(await readFile(path.join(stateDir(), 'collectd-hostname'), 'utf8')).toBe(`${INSTANCE_ID} aws.dev.${INSTANCE_ID}\n`);

		// The next boot of the same instance (the unit and the job run at every boot) changes nothing.
		const rebooted = await boot(job, agent, metadata);
		expect(rebooted.exitCode).toBe(0);
		expect(rebooted.stderr).toContain(`logspout was already started on this instance (${INSTANCE_ARN} ${TASK_ARN}); nothing to do`);
		expect(await awsCalls()).toHaveLength(1);
		expect(await calls()).toEqual(COLLECTD_RESTART[release]);
		expect(agent.requests()).toHaveLength(1);
	});

	it("starts logspout again on an instance launched from an image that carries another instance's markers", async () => {
		const job = await provisionedBoot(release);
		const agent = await startAgent([{status: 200, body: await fixture('agent-introspection-v1-metadata.json')}]);
		await boot(job, agent, await startMetadata());

		const other = 'i-0fedcba9876543210';
		const relaunched = await boot(job, agent, await startMetadata({instanceId: other}));

		expect(relaunched.exitCode).toBe(0);
		expect(relaunched.stderr).toContain(`was left by instance ${INSTANCE_ID}, not by this one (${other}): doing its step again`);
		expect(await readFile(path.join(collectdDir(), 'hostname.conf'), 'utf8')).toBe(`Hostname "aws.dev.${other}"\n`);
		expect(await awsCalls()).toHaveLength(2);
		expect(await readFile(path.join(stateDir(), 'logspout-started'), 'utf8')).toBe(`${other} ${INSTANCE_ARN} ${TASK_ARN}\n`);
		expect(await calls()).toEqual([...COLLECTD_RESTART[release], ...COLLECTD_RESTART[release]]);
	});
});

describe('convox-ami-first-boot', () => {
	it('under the upstart job, is tried again after a failure, as the systemd unit restarts it', async () => {
		const job = await provisionedBoot('al1');
		const agent = await startAgent([{status: 200, body: await fixture('agent-introspection-v1-metadata.json')}]);
		const metadata = await startMetadata();
		// A file where the state folder belongs makes the first attempt fail.
		await writeFile(stateDir(), 'not a folder');

		const running = boot(job, agent, metadata, {CONVOX_AMI_RESTART_SECONDS: '0.2'});
		let stderr = '';
		running.stderr!.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
		});
		await vi.waitFor(() => expect(stderr).toMatch(/mkdir: cannot create directory|File exists|Not a directory/), {
			timeout: 10_000,
			interval: 20,
		});
		await rm(stateDir());
		const result = await running;

		expect(result.exitCode).toBe(0);
		expect(await awsCalls()).toEqual([startTask(INSTANCE_ARN, '3e7a4b2c-91d0-4c8e-b5f1-6a2d9c0e7f14', 'us-east-1')]);
		expect(await readFile(path.join(stateDir(), 'logspout-started'), 'utf8')).toBe(`${INSTANCE_ID} ${INSTANCE_ARN} ${TASK_ARN}\n`);
	});

	it('does everything once even when run twice (the markers survive)', async () => {
		const agent = await startAgent([{status: 200, body: await fixture('agent-introspection-v1-metadata.json')}]);
		const metadata = await startMetadata();

		const first = await firstBoot(agent.port, metadata);
		const second = await firstBoot(agent.port, metadata);

		expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
		expect(second.stderr).toContain('collectd already reports as aws.dev.i-0123456789abcdef0');
		expect(second.stderr).toContain('logspout was already started on this instance');
		expect(await awsCalls()).toHaveLength(1);
		expect(agent.requests()).toHaveLength(1);
		// Each run asks for the instance id: the markers count only for the instance that left them.
		expect(metadata.requests()).toHaveLength(4);
		expect(await calls()).toEqual(['systemctl enable collectd', 'systemctl restart collectd']);
	});

	it('falls back to IMDSv1 and waits while the metadata service fails', async () => {
		const agent = await startAgent([{status: 200, body: await fixture('agent-introspection-v1-metadata.json')}]);
		const metadata = await startMetadata({v2: false, unavailable: 2});

		const result = await firstBoot(agent.port, metadata, {CONVOX_AMI_ENV: 'staging'});

		expect(result.exitCode).toBe(0);
		expect(result.stderr.split('waiting for the instance metadata service').length - 1).toBe(2);
		expect(metadata.requests()).toEqual(
			Array.from({length: 3}, () => ['PUT /latest/api/token', 'GET /latest/meta-data/instance-id']).flat(),
		);
		expect(await readFile(path.join(collectdDir(), 'hostname.conf'), 'utf8')).toBe('Hostname "aws.staging.i-0123456789abcdef0"\n');
		expect((await awsCalls())[0]).toEqual(startTask(INSTANCE_ARN, '3e7a4b2c-91d0-4c8e-b5f1-6a2d9c0e7f14', 'us-east-1', 'logspout-staging'));
	});

	it('waits while the agent refuses connections, answers 503, or has not registered the instance yet', async () => {
		const port = await freePort();
		const metadata = await startMetadata();
		const running = firstBoot(port, metadata);
		let waitingLines = 0;
		running.stderr!.on('data', (chunk: Buffer) => {
			waitingLines += chunk.toString().split('waiting for the ECS agent').length - 1;
		});
		await vi.waitFor(() => expect(waitingLines).toBeGreaterThanOrEqual(3), {timeout: 10_000, interval: 20});
		expect(await awsCalls()).toEqual([]);
		expect(await readFile(path.join(collectdDir(), 'hostname.conf'), 'utf8')).toBe('Hostname "aws.dev.i-0123456789abcdef0"\n');

		const agent = await startAgent(
			[
				{status: 503, body: 'agent is starting'},
				{status: 503, body: 'agent is starting'},
				{status: 200, body: JSON.stringify({Cluster: CLUSTER, ContainerInstanceArn: null, Version: 'Amazon ECS Agent - v1.12.2'})},
				{status: 200, body: await fixture('agent-introspection-v1-metadata.json')},
			],
			port,
		);
		const result = await running;

		expect(result.exitCode).toBe(0);
		expect(agent.requests()).toHaveLength(4);
		expect(waitingLines).toBeGreaterThanOrEqual(6);
		expect(await awsCalls()).toEqual([startTask(INSTANCE_ARN, '3e7a4b2c-91d0-4c8e-b5f1-6a2d9c0e7f14', 'us-east-1')]);
	});

	it('retries start-task while it fails or starts no task, with the same arguments, and keeps the token out of its log', async () => {
		const agent = await startAgent([{status: 200, body: await fixture('agent-introspection-v1-metadata.json')}]);
		const metadata = await startMetadata();

		const result = await firstBoot(agent.port, metadata, {FAKE_AWS_FAILURES: '3'});

		expect(result.exitCode).toBe(0);
		const awsArgv = await awsCalls();
		expect(awsArgv).toHaveLength(4);
		for (const call of awsArgv) expect(call).toEqual(startTask(INSTANCE_ARN, '3e7a4b2c-91d0-4c8e-b5f1-6a2d9c0e7f14', 'us-east-1'));
		for (const call of [1, 2, 3, 4])
			expect(JSON.parse(await readFile(path.join(sandbox, `call-${call}.overrides`), 'utf8'))).toEqual(tokenOverride);
		expect(result.stderr).toContain('ServerException');
		expect(result.stderr).toContain(
			'Parameter validation failed: Invalid type for parameter overrides, value: {"containerOverrides":[{"name":"logspout","environment":[{"name":"LOGSPOUT_TOKEN","value":"***"}]}]}',
		);
		expect(result.stderr).toContain('RESOURCE:MEMORY');
		expect(result.stderr.split('retrying').length - 1).toBe(3);
		expect(result.stdout + result.stderr).not.toContain(TOKEN);
		expect(existsSync(overridesFile())).toBe(false);
		expect(await readFile(path.join(stateDir(), 'logspout-started'), 'utf8')).toContain(INSTANCE_ARN);
	});

	it('derives a valid startedBy from a long-format ARN and honours AWS_REGION, the task definition and the container name', async () => {
		const metadata = await fixture('agent-introspection-v1-metadata.long-arn.json');
		const agent = await startAgent([{status: 200, body: metadata}]);
		const imds = await startMetadata();

		const result = await firstBoot(agent.port, imds, {
			AWS_REGION: 'eu-west-1',
			LOGSPOUT_TASK_DEFINITION: 'logspout-custom:7',
			LOGSPOUT_CONTAINER_NAME: 'router',
		});

		expect(result.exitCode).toBe(0);
		const [call] = await awsCalls();
		const longArn = JSON.parse(metadata).ContainerInstanceArn as string;
		const startedBy = call![call!.indexOf('--started-by') + 1]!;
		expect(startedBy).toBe('3e7a4b2c91d04c8eb5f16a2d9c0e7f14');
		expect(startedBy).toMatch(/^[A-Za-z0-9_-]{1,36}$/);
		expect(call).toEqual(startTask(longArn, startedBy, 'eu-west-1', 'logspout-custom:7'));
		expect(JSON.parse(await readFile(path.join(sandbox, 'call-1.overrides'), 'utf8'))).toEqual({
			containerOverrides: [{name: 'router', environment: [{name: 'LOGSPOUT_TOKEN', value: TOKEN}]}],
		});
	});

	it('starts logspout without an override when no token was baked, and even when collectd does not restart', async () => {
		await rm(path.join(sandbox, 'logspout-token'));
		const agent = await startAgent([{status: 200, body: await fixture('agent-introspection-v1-metadata.json')}]);
		const metadata = await startMetadata();

		const result = await firstBoot(agent.port, metadata, {FAKE_FAIL: 'systemctl'});

		expect(result.exitCode).toBe(0);
		expect(result.stderr).toContain('collectd did not restart; it will report as aws.dev.i-0123456789abcdef0 once it runs');
		expect(result.stderr).toContain('no logspout token in');
		expect(await awsCalls()).toEqual([startTask(INSTANCE_ARN, '3e7a4b2c-91d0-4c8e-b5f1-6a2d9c0e7f14', 'us-east-1', 'logspout-dev', false)]);
		expect(await readFile(path.join(stateDir(), 'collectd-hostname'), 'utf8')).toBe(`${INSTANCE_ID} aws.dev.${INSTANCE_ID}\n`);
	});

	it('refuses to run without the env, naming the settings file', async () => {
		const agent = await startAgent([{status: 200, body: await fixture('agent-introspection-v1-metadata.json')}]);
		const metadata = await startMetadata();

		const result = await firstBoot(agent.port, metadata, {CONVOX_AMI_ENV: ''});

		expect(result.exitCode).toBe(1);
		expect(result.stderr).toContain(
			'CONVOX_AMI_ENV is not set: run this through the convox-ami-first-boot service, which reads /etc/convox-ami/first-boot.env',
		);
		expect(metadata.requests()).toEqual([]);
		expect(await awsCalls()).toEqual([]);
	});
});
