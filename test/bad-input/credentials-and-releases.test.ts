import {mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startReleasesStandIn, type ReleasesStandIn, type ReleasesStandInOptions} from '../../source/rehearsal/releases-stand-in';
import {createCliWorld, runCli, WRONG_KEY, type CliWorld} from '../support/cli-env';
import {onlyRun} from '../support/bad-input-world';

const FIXTURES = new URL('../fixtures/releases', import.meta.url).pathname;
let world: CliWorld;
let counter = 0;
const standIns: ReleasesStandIn[] = [];

beforeAll(async () => {
	world = await createCliWorld();
});
afterAll(async () => {
	await Promise.all(standIns.map(standIn => standIn.close()));
	await world.close();
});

function stateDir(): string {
	return path.join(world.dir, `state-${++counter}`);
}

async function releases(options: ReleasesStandInOptions): Promise<ReleasesStandIn> {
	const standIn = await startReleasesStandIn(options);
	standIns.push(standIn);
	return standIn;
}

async function fixture(name: string): Promise<unknown> {
	return JSON.parse(await readFile(path.join(FIXTURES, name), 'utf8'));
}

/** A HOME whose ~/.aws holds exactly these files. */
async function home(name: string, files: {config: string; credentials?: string}): Promise<string> {
	const dir = path.join(world.dir, name);
	await mkdir(path.join(dir, '.aws'), {recursive: true});
	await writeFile(path.join(dir, '.aws', 'config'), files.config);
	await writeFile(path.join(dir, '.aws', 'credentials'), files.credentials ?? '');
	return dir;
}

const run = (args: string[], {dir = stateDir(), env = {}}: {dir?: string; env?: NodeJS.ProcessEnv} = {}) =>
	runCli([...args, '--state-dir', dir], {cwd: world.dir, env: {...world.env, ...env}});

describe.concurrent('bad input: credentials', () => {
	it('wrong account credentials: refused after GetCallerIdentity alone, exit 2', async () => {
		const dir = stateDir();
		const result = await run(['release', '--env', 'wrong', '--yes'], {dir});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('Wrong AWS account: the credentials of profile convox-wrong belong to 999999999999');
		expect(result.stderr).toContain('the config says wrong is 111111111111. Nothing was done.');
		expect(result.stderr).toContain('aws sso login --profile convox-wrong');
		expect(world.aws.calls.filter(call => call.accessKeyId === WRONG_KEY).map(call => call.action)).toEqual(['GetCallerIdentity']);
		const journal = await onlyRun(dir);
		expect(journal.steps.map(step => step.status)).toEqual(['failed', 'pending', 'pending', 'pending', 'pending', 'pending']);
	});

	it('expired SSO session (sso profile, no token cache): tells to run aws sso login --profile NAME, exit 2', async () => {
		const sso = await home('home-sso', {
			config: [
				'[profile convox-dev]',
				'sso_start_url = https://example.awsapps.com/start',
				'sso_region = us-east-1',
				'sso_account_id = 111111111111',
				'sso_role_name = Admin',
				'region = us-east-1',
				'',
			].join('\n'),
		});
		const dir = stateDir();
		const result = await run(['release', '--env', 'dev', '--yes'], {dir, env: {HOME: sso}});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('The AWS session for profile convox-dev has expired');
		expect(result.stderr).toContain('aws sso login --profile convox-dev');
		expect((await onlyRun(dir)).steps[0]).toMatchObject({id: 'account', status: 'failed'});
	});

	it('no credentials at all: names the profile and how to configure it, exit 2', async () => {
		const bare = await home('home-bare', {config: ''});
		const result = await run(['release', '--env', 'dev', '--yes'], {env: {HOME: bare}});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('No AWS credentials for profile convox-dev');
		expect(result.stderr).toContain('aws configure --profile convox-dev');
	});
});

describe.concurrent('bad input: release files', () => {
	it('versions.json malformed: exit 2, one clear message', async () => {
		const standIn = await releases({versions: '[{"version": "2016'});
		const result = await run(['release', '--env', 'dev', '--yes'], {env: {CONVOX_RELEASES_URL: standIn.url}});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(`${standIn.url}/versions.json is not valid JSON`);
	});

	it('versions.json of the wrong shape: says where, exit 2', async () => {
		const standIn = await releases({versions: {versions: []}});
		const result = await run(['release', '--env', 'dev', '--yes'], {env: {CONVOX_RELEASES_URL: standIn.url}});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(`${standIn.url}/versions.json does not look like Convox's versions.json`);
	});

	it('versions.json empty: exit 2', async () => {
		const standIn = await releases({versions: await fixture('versions.empty.json')});
		const result = await run(['release', '--env', 'dev', '--yes'], {env: {CONVOX_RELEASES_URL: standIn.url}});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('lists no versions at all');
	});

	it('versions.json with nothing published: exit 2, suggests a pin', async () => {
		const standIn = await releases({versions: await fixture('versions.none-published.json')});
		const result = await run(['release', '--env', 'dev', '--yes'], {env: {CONVOX_RELEASES_URL: standIn.url}});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/none is a published release build/);
		expect(result.stderr).toContain('--convox-version');
	});

	it('versions.json 404: exit 1 naming the URL and CONVOX_RELEASES_URL', async () => {
		const standIn = await releases({failures: [{kind: 'not-found', path: '/versions.json'}]});
		const result = await run(['release', '--env', 'dev', '--yes'], {env: {CONVOX_RELEASES_URL: standIn.url}});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`Cannot fetch ${standIn.url}/versions.json: HTTP 404`);
		expect(result.stderr).toContain('CONVOX_RELEASES_URL');
		expect(standIn.requests.filter(request => request.path === '/versions.json')).toHaveLength(1);
	});

	it('versions.json HTTP 500: retried, then gives up with exit 1; resume continues once it answers', async () => {
		const standIn = await releases({failures: [{kind: 'error', path: '/versions.json'}]});
		const dir = stateDir();
		const env = {CONVOX_RELEASES_URL: standIn.url};
		const failed = await run(['release', '--env', 'dev', '--yes', '--dry-run'], {dir, env});
		expect(failed.code).toBe(1);
		expect(failed.stderr).toContain(`Cannot fetch ${standIn.url}/versions.json: HTTP 500 (after 4 attempts)`);
		expect(failed.stderr).toContain('convox-ami resume');
		expect(standIn.requests.filter(request => request.path === '/versions.json').length).toBeGreaterThan(1);
		const before = await onlyRun(dir);
		expect(before.steps[1]).toMatchObject({id: 'resolve-version', status: 'failed'});

		standIn.failures.splice(0);
		const resumed = await runCli(['resume', '--yes', '--json', '--state-dir', dir], {cwd: world.dir, env: {...world.env, ...env}});
		expect(resumed.events[0]).toMatchObject({type: 'run', status: 'resumed', runId: before.id});
		expect(resumed.events.some(event => event.type === 'step' && event.step === 'account')).toBe(false);
		expect(
			resumed.events.find(event => event.type === 'step' && event.step === 'resolve-version' && event.status === 'done'),
		).toMatchObject({convoxVersion: '20160916121812'});
	});

	it('a pinned unknown version under --yes: refused, exit 2', async () => {
		const result = await run(['release', '--env', 'dev', '--yes', '--convox-version', '20991231235959']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('The pinned Convox version 20991231235959 is not in');
		expect(result.stderr).toContain('--yes does not confirm that');
	});

	it('a version with no AMI for the region: names version, region and the regions it has, exit 2', async () => {
		const result = await run(['release', '--env', 'dev', '--yes', '--region', 'sa-east-1']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('Convox 20160916121812 has no AMI for sa-east-1; its template lists AMIs for us-east-1');
		expect(result.stderr).toContain('--region');
	});

	it('a template without RegionConfig Ami that takes SSM parameters without the InstanceARM condition: names them, exit 2', async () => {
		const standIn = await releases({defaultFormation: await fixture('formation.no-regionconfig-ami.sample.json')});
		const result = await run(['release', '--env', 'dev', '--yes'], {env: {CONVOX_RELEASES_URL: standIn.url}});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/Convox 20160916121812 takes its AMI from SSM \(DefaultAmi: SSM parameter \/aws\/service\/ecs/);
		expect(result.stderr).toMatch(/SSM parameter \/aws\/service\/ecs\/optimized-ami/);
		expect(result.stderr).toContain('aws ssm get-parameter');
	});

	it('a stack that does not exist: exit 2, names stack, account and region', async () => {
		const config = path.join(world.dir, 'missing-stack.json');
		await writeFile(
			config,
			JSON.stringify({region: 'us-east-1', accounts: {dev: {profile: 'convox-dev', accountId: '111111111111', stackName: 'convox-gone'}}}),
		);
		const result = await run(['release', '--env', 'dev', '--yes', '--config', config]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('The stack convox-gone does not exist in account 111111111111 (us-east-1)');
		expect(result.stderr).toContain('accounts.dev.stackName');
	});
});

describe('bad input: credentials and release files changed nothing', () => {
	it('no AWS write in any of these cases', () => {
		expect(counter).toBeGreaterThan(5);
		expect(world.aws.writes().filter(call => call.action !== 'CreateChangeSet' && call.action !== 'DeleteChangeSet')).toEqual([]);
	});
});
