import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createCliWorld, runCli, type CliWorld} from '../support/cli-env';

let world: CliWorld | undefined;
afterEach(async () => world?.close());

const stepEvent = (events: Array<Record<string, unknown>>, step: string, status: string) =>
	events.find(event => event.type === 'step' && event.step === step && event.status === status);

describe('account and resolve-version, end to end over the wire', () => {
	it('release --env dev --dry-run --yes --json reports the account, the version and the base AMI', async () => {
		world = await createCliWorld();
		const result = await runCli(['release', '--env', 'dev', '--dry-run', '--yes', '--json'], {cwd: world.dir, env: world.env});
		const account = stepEvent(result.events, 'account', 'done');
		expect(account).toMatchObject({accountId: '111111111111', arn: 'arn:aws:sts::111111111111:assumed-role/Admin/operator'});
		const version = stepEvent(result.events, 'resolve-version', 'done');
		expect(version).toMatchObject({convoxVersion: '20160916121812', sourceAmi: 'ami-6bb2d67c', stackVersion: '20160820033210'});
		expect(version?.templateUrl).toBe(`${world.releases.url}/20160916121812/formation.json`);
		for (const event of result.events) expect(event.runId).toEqual(result.events[0]?.runId);
		expect(world.aws.writes().map(call => call.action)).toEqual(['CreateChangeSet', 'DeleteChangeSet']);
		const runId = String(result.events[0]?.runId);
		const journal = JSON.parse(await readFile(path.join(world.stateDir, 'runs', `${runId}.json`), 'utf8'));
		expect(journal.mode).toBe('dry-run');
		expect(journal.steps[1].outputs.templateParameters.find((parameter: {name: string}) => parameter.name === 'Password')).toEqual({
			name: 'Password',
			noEcho: true,
		});
	});

	it('refuses the wrong account with exit 2 before anything else', async () => {
		world = await createCliWorld();
		const result = await runCli(['release', '--env', 'wrong', '--yes'], {cwd: world.dir, env: world.env});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('Wrong AWS account: the credentials of profile convox-wrong belong to 999999999999');
		expect(world.aws.calls.map(call => call.action)).toEqual(['GetCallerIdentity']);
		expect(world.releases.requests).toEqual([]);
	});

	it('tells the operator to log in again when the SSO session has expired', async () => {
		world = await createCliWorld();
		await import('node:fs/promises').then(fs =>
			fs.writeFile(
				path.join(world!.home, '.aws', 'config'),
				[
					'[profile convox-dev]',
					'sso_start_url = https://example.awsapps.com/start',
					'sso_region = us-east-1',
					'sso_account_id = 111111111111',
					'sso_role_name = Admin',
					'region = us-east-1',
					'',
				].join('\n'),
			),
		);
		await import('node:fs/promises').then(fs => fs.writeFile(path.join(world!.home, '.aws', 'credentials'), ''));
		const result = await runCli(['release', '--env', 'dev', '--yes'], {cwd: world.dir, env: world.env});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('aws sso login --profile convox-dev');
		expect(world.aws.calls).toEqual([]);
	});

	it('ends with one clear message on release files that cannot be used', async () => {
		const cases: Array<[object, RegExp]> = [
			[{versions: '{"broken": '}, /versions\.json is not valid JSON/],
			[{versions: []}, /lists no versions at all/],
			[{versions: [{version: '20160916121812', published: false, required: false, description: ''}]}, /none is a published release build/],
		];
		for (const [releases, message] of cases) {
			world = await createCliWorld({releases});
			const result = await runCli(['release', '--env', 'dev', '--yes'], {cwd: world.dir, env: world.env});
			expect(result.code).toBe(2);
			expect(result.stderr).toMatch(message);
			expect(world.aws.writes()).toEqual([]);
			await world.close();
			world = undefined;
		}
	});

	it('names the version and region that have no AMI', async () => {
		world = await createCliWorld();
		const result = await runCli(['release', '--env', 'dev', '--yes', '--region', 'sa-east-1'], {cwd: world.dir, env: world.env});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/Convox 20160916121812 has no AMI for sa-east-1/);
	});

	it('refuses a bad config with every problem named', async () => {
		world = await createCliWorld({config: {accounts: {dev: {accountId: '42', stackName: 'x', colour: 'red'}}}});
		const result = await runCli(['release', '--env', 'dev'], {cwd: world.dir, env: world.env});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('accounts.dev.accountId: expected 12 digits');
		expect(result.stderr).toContain('accounts.dev: unknown key "colour"');
		expect(world.aws.calls).toEqual([]);
	});

	it('exits 2 naming --env when nobody can choose the account', async () => {
		world = await createCliWorld();
		const result = await runCli(['release'], {cwd: world.dir, env: world.env});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--env NAME');
	});
});
