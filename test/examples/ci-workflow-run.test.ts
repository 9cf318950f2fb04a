import {chmod, cp, mkdir, readdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {startS3StandIn, type S3StandIn} from '../../source/rehearsal/s3-stand-in';
import {readWorkflow, runJob, type ActionStandIn, type JobOutcome, type Machine} from '../support/github-actions-runner';
import {CLI} from '../support/pty';
import {createStackWorld, type StackWorld} from '../support/stack-e2e-world';
import {updatesBegun} from '../support/fault-state';
import {reviewHistory, serveApprovals} from '../support/github-approvals-stand-in';
import type {Loopback} from '../support/loopback';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const WORKFLOW = path.join(REPO, 'examples', 'github-actions', 'release.yml');
const {version: PACKAGE_VERSION} = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as {version: string};

const ACTOR = 'octocat';
const REVIEWER = 'hubot';
const REPOSITORY = 'octo-org/convox-racks';
const WORKFLOW_RUN_ID = '9876543210';
/** The job's token (`secrets.GITHUB_TOKEN`): read for the review history, a secret like any other. */
const GITHUB_TOKEN = 'ghs_ciJobT0kenOfTheRun42';
const ROLE_ARN = 'arn:aws:iam::111111111111:role/convox-ami-release';
const OIDC_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.github-actions-oidc.signature';
const SLACK_WEBHOOK_URL = 'https://hooks.slack.com/services/T0000/B0000/ci-kept-webhook-Qm27';
/** The build secrets, kept in SSM and Secrets Manager as docs/ci.md recommends: the jobs' environment has none. */
const LIBRATO_TOKEN = 'ci-kept-librato-token-Vb81Zp';
const LOGSPOUT_TOKEN = 'ci-kept-logspout-token-Hx55Wd';
/** How the STS stand-in's session tokens begin. */
const SESSION_TOKEN_MARK = 'web-identity-session-';

let world: StackWorld | undefined;
let s3: S3StandIn | undefined;
let github: Loopback | undefined;
afterAll(async () => {
	await Promise.all([world?.close(), s3?.close(), github?.close()]);
});

/** What aws-actions/configure-aws-credentials leaves for OIDC, as web identity: the SDK assumes the role with the token (at the STS stand-in). */
const configureAwsCredentials: ActionStandIn = async (inputs, machine) => {
	const tokenFile = path.join(machine.temp, 'web-identity-token');
	await writeFile(tokenFile, OIDC_TOKEN);
	return {
		AWS_REGION: inputs['aws-region']!,
		AWS_DEFAULT_REGION: inputs['aws-region']!,
		AWS_ROLE_ARN: inputs['role-to-assume']!,
		AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
		AWS_ROLE_SESSION_NAME: 'GitHubActions',
	};
};

/** The repository holding convox-ami.config.json, as actions/checkout leaves it in each runner's workspace. */
async function repository(stack: StackWorld): Promise<string> {
	const dir = path.join(stack.dir, 'repository');
	await mkdir(dir);
	await cp(path.join(stack.dir, 'packer'), path.join(dir, 'packer'), {recursive: true});
	const config = JSON.parse(await readFile(stack.configPath, 'utf8')) as {accounts: {dev: {profile?: string; secrets?: object}}};
	delete config.accounts.dev.profile;
	config.accounts.dev.secrets = {
		LIBRATO_TOKEN: 'ssm:/convox-ami/dev/librato-token',
		LOGSPOUT_TOKEN: 'secretsmanager:convox-ami/logspout',
	};
	await writeFile(path.join(dir, 'convox-ami.config.json'), JSON.stringify(config, null, 2));
	stack.aws.state.data.ssmSecureStrings = {'/convox-ami/dev/librato-token': LIBRATO_TOKEN};
	stack.aws.state.data.secrets = {'convox-ami/logspout': LOGSPOUT_TOKEN};
	return dir;
}

/** `npx --yes convox-ami@VERSION` of the runner resolves to the CLI built from this checkout, never to the registry. */
async function npxShim(dir: string, pinned: string): Promise<void> {
	await mkdir(dir, {recursive: true});
	const npx = path.join(dir, 'npx');
	await writeFile(
		npx,
		[
			'#!/bin/sh',
			`if [ "$1" != --yes ] || [ "$2" != '${pinned}' ]; then echo "npx of the test knows only --yes ${pinned}, not: $*" >&2; exit 127; fi`,
			'shift 2',
			`exec '${process.execPath}' '${CLI}' "$@"`,
			'',
		].join('\n'),
	);
	await chmod(npx, 0o755);
}

async function filesUnder(dir: string): Promise<string[]> {
	const entries = await readdir(dir, {recursive: true, withFileTypes: true});
	return entries.filter(entry => entry.isFile()).map(entry => path.join(entry.parentPath, entry.name));
}

const failure = (job: JobOutcome) => job.steps.map(step => `${step.name} (exit ${step.code})\n${step.stdout}\n${step.stderr}`).join('\n');

describe('examples/github-actions/release.yml, its jobs run as GitHub would against the loopback stand-ins', () => {
	it('the preview job ends waiting for approval; the apply job, on another runner, executes exactly that change set and names the approver', async () => {
		const workflow = await readWorkflow(WORKFLOW);
		world = await createStackWorld({aws: {webIdentity: {token: OIDC_TOKEN}}});
		const state = new URL(String(workflow.env.CONVOX_AMI_STATE));
		const bucketDir = path.join(world.dir, 's3');
		s3 = await startS3StandIn({dir: bucketDir, buckets: [state.host], versioning: {[state.host]: 'Enabled'}});
		const checkout = await repository(world);
		const bin = path.join(world.dir, 'runner-bin');
		expect(workflow.env.CONVOX_AMI, "the example pins this package's own version").toBe(`convox-ami@${PACKAGE_VERSION}`);
		await npxShim(bin, String(workflow.env.CONVOX_AMI));

		const {LIBRATO_TOKEN: _token, LOGSPOUT_TOKEN: _logspout, ...worldEnv} = world.env;
		github = await serveApprovals({
			token: GITHUB_TOKEN,
			repository: REPOSITORY,
			runId: WORKFLOW_RUN_ID,
			history: reviewHistory('convox-dev', [{login: REVIEWER, state: 'approved', comment: 'Change set checked'}]),
		});
		// What every GitHub runner sets; the token reaches a step only through the workflow's own `env:`.
		const runnerEnv = {
			...worldEnv,
			PATH: `${bin}:${process.env.PATH}`,
			AWS_ENDPOINT_URL_S3: s3.url,
			GITHUB_ACTOR: ACTOR,
			GITHUB_API_URL: github.url,
			GITHUB_REPOSITORY: REPOSITORY,
			GITHUB_RUN_ID: WORKFLOW_RUN_ID,
		};
		const machine = async (name: string): Promise<Machine> => {
			const root = path.join(world!.dir, name);
			const workspace = path.join(root, 'workspace');
			await cp(checkout, workspace, {recursive: true});
			return {workspace, home: path.join(root, 'home'), temp: path.join(root, 'temp')};
		};
		const run = {
			env: runnerEnv,
			inputs: workflow.inputDefaults,
			secrets: {SLACK_WEBHOOK_URL, GITHUB_TOKEN},
			vars: {CONVOX_AMI_RELEASE_ROLE_ARN: ROLE_ARN},
			actions: {
				// Each runner's workspace is a copy of the repository already (see machine()).
				'actions/checkout': async () => ({}),
				'actions/setup-node': async () => ({}),
				// The config's binaries.packer is the rehearsal's Packer replay.
				'hashicorp/setup-packer': async () => ({}),
				'aws-actions/configure-aws-credentials': configureAwsCredentials,
			},
		};
		expect(workflow.jobs.map(job => job.id)).toEqual(['preview', 'apply']);

		const preview = await runJob(workflow, 'preview', {...run, machine: await machine('runner-1'), needs: {}});
		expect(preview.succeeded, failure(preview)).toBe(true);
		const runId = preview.outputs['run-id']!;
		expect(runId).toMatch(/^\d{8}-\d{6}-dev-/);
		expect(world.aws.writes().map(call => call.action)).toEqual(['CreateChangeSet']);
		// The CLI's own exit was 3 (waiting for approval); the step's script made that its success.
		const previewStep = preview.steps.at(-1)!;
		expect(JSON.parse(previewStep.stdout.trim().split('\n').at(-1)!)).toMatchObject({type: 'run', status: 'waiting', runId});
		expect(previewStep.stderr).toContain(`convox-ami resume ${runId} --approve`);
		expect(world.aws.calls.filter(call => call.action === 'GetParameter').map(call => call.params.Name)).toEqual([
			'/convox-ami/dev/librato-token',
		]);
		const runs = path.join(bucketDir, state.host, ...state.pathname.slice(1).split('/'), 'runs');
		const previewed = JSON.parse(await readFile(path.join(runs, `${runId}.json`), 'utf8')) as {
			steps: Array<{id: string; status: string; outputs: {changeSetName?: string}}>;
		};
		const waiting = previewed.steps.find(step => step.id === 'update-stack');
		expect(waiting?.status).toBe('waiting');
		expect(waiting?.outputs.changeSetName).toBe(world.aws.writes()[0]?.params.ChangeSetName);

		const apply = await runJob(workflow, 'apply', {
			...run,
			machine: await machine('runner-2'),
			needs: {preview: {outputs: preview.outputs}},
		});
		expect(apply.succeeded, failure(apply)).toBe(true);
		expect(s3.calls.filter(call => call.method === 'PUT' && call.key.endsWith(`runs/${runId}.json`)).length).toBeGreaterThan(2);
		expect(world.aws.writes().map(call => call.action)).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
		expect(world.aws.writes()[1]?.params.ChangeSetName).toBe(waiting?.outputs.changeSetName);
		expect(updatesBegun(world.aws.state.stack('convox-dev'))).toBe(1);

		// Both jobs signed in with the token, as the role; nothing ran on ambient keys.
		const assumed = world.aws.calls.filter(call => call.action === 'AssumeRoleWithWebIdentity');
		expect(assumed.length).toBeGreaterThanOrEqual(2);
		expect(assumed.every(call => call.params.RoleArn === ROLE_ARN && call.params.WebIdentityToken === OIDC_TOKEN)).toBe(true);
		const report = await readFile(path.join(runs, `${runId}.report.md`), 'utf8');
		expect(report).toContain(
			`approved by ${REVIEWER} (environment convox-dev: "Change set checked"); workflow started by ${ACTOR} (\`arn:aws:sts::111111111111:assumed-role/convox-ami-release/GitHubActions\`)`,
		);
		expect(github.requests).toHaveLength(1);
		const finished = JSON.parse(await readFile(path.join(runs, `${runId}.json`), 'utf8')) as {status: string};
		expect(finished.status).toBe('finished');

		const bucket = await filesUnder(path.join(bucketDir, state.host));
		expect(bucket.length).toBeGreaterThan(2);
		for (const file of bucket) {
			const text = await readFile(file, 'utf8');
			for (const secret of [OIDC_TOKEN, SLACK_WEBHOOK_URL, LIBRATO_TOKEN, LOGSPOUT_TOKEN, SESSION_TOKEN_MARK, GITHUB_TOKEN])
				expect(text, `${file} holds a secret`).not.toContain(secret);
		}
	}, 120_000);
});
