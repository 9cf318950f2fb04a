import {readdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {runCli} from '../support/cli-env';
import {createChecklistWorld, type ChecklistWorld} from '../support/checklist-e2e-world';

let world: ChecklistWorld | undefined;
afterEach(async () => {
	await world?.close();
	world = undefined;
});

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.github-oidc-token.signature';

/**
 * The config's account has no `profile`; the environment is what aws-actions/configure-aws-credentials
 * leaves for OIDC: a role to assume and a file holding the web identity token.
 */
async function webIdentityWorld(roleAccount: string): Promise<{world: ChecklistWorld; env: NodeJS.ProcessEnv; record: string}> {
	const created = await createChecklistWorld({released: false});
	const config = JSON.parse(await readFile(created.configPath, 'utf8')) as {accounts: {dev: {profile?: string}}};
	delete config.accounts.dev.profile;
	await writeFile(created.configPath, JSON.stringify(config, null, 2));
	const tokenFile = path.join(created.dir, 'web-identity-token');
	await writeFile(tokenFile, TOKEN);
	const record = path.join(created.dir, 'packer-record.jsonl');
	return {
		world: created,
		record,
		env: {
			...created.env,
			AWS_ROLE_ARN: `arn:aws:iam::${roleAccount}:role/convox-ami-release`,
			AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
			AWS_ROLE_SESSION_NAME: 'github-actions',
			AWS_REGION: 'us-east-1',
			FAKE_PACKER_RECORD: record,
		},
	};
}

async function stateDirText(stateDir: string): Promise<string> {
	const entries = await readdir(stateDir, {recursive: true, withFileTypes: true});
	const files = entries.filter(entry => entry.isFile()).map(entry => path.join(entry.parentPath, entry.name));
	return (await Promise.all(files.map(file => readFile(file, 'utf8')))).join('\n');
}

const RELEASE = ['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'];

describe('an account without a profile: the SDK default chain, with web identity as GitHub OIDC sets it', () => {
	it('assumes the role with the token, passes the STS guard as the role, and serves Packer the temporary keys with their session token', async () => {
		const setup = await webIdentityWorld('111111111111');
		world = setup.world;
		const result = await runCli(RELEASE, {cwd: world.dir, env: setup.env});
		expect(result.code, result.stderr).toBe(0);
		const assumed = world.aws.calls.filter(call => call.action === 'AssumeRoleWithWebIdentity');
		expect(assumed.length).toBeGreaterThan(0);
		expect(assumed[0]?.params).toMatchObject({
			RoleArn: 'arn:aws:iam::111111111111:role/convox-ami-release',
			WebIdentityToken: TOKEN,
			RoleSessionName: 'github-actions',
		});
		const identity = world.aws.calls.find(call => call.action === 'GetCallerIdentity');
		expect(identity?.accessKeyId).toMatch(/^ASIA/);
		const journal = JSON.parse(await readFile(path.join(world.stateDir, 'runs', `${String(result.events[0]?.runId)}.json`), 'utf8')) as {
			steps: Array<{id: string; outputs: Record<string, unknown>}>;
		};
		expect(journal.steps.find(step => step.id === 'account')?.outputs).toMatchObject({
			accountId: '111111111111',
			arn: 'arn:aws:sts::111111111111:assumed-role/convox-ami-release/github-actions',
			profile: null,
		});
		const builds = (await readFile(setup.record, 'utf8'))
			.trim()
			.split('\n')
			.map(
				line =>
					JSON.parse(line) as {
						command: string;
						accessKeyId: string;
						sessionToken: boolean;
						credentialsFrom: string;
						ambientWebIdentity: boolean;
					},
			);
		const build = builds.find(entry => entry.command === 'build');
		expect(build).toMatchObject({
			accessKeyId: identity?.accessKeyId,
			sessionToken: true,
			credentialsFrom: 'endpoint',
			ambientWebIdentity: false,
		});
		const everything = `${result.stdout}\n${result.stderr}\n${await stateDirText(world.stateDir)}`;
		expect(everything).not.toContain('web-identity-session-');
		expect(everything).not.toContain(TOKEN);
	});

	it('a role in another account is refused by the STS guard before any write, naming both accounts', async () => {
		const setup = await webIdentityWorld('999999999999');
		world = setup.world;
		const result = await runCli(RELEASE, {cwd: world.dir, env: setup.env});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('Wrong AWS account: the credentials belong to 999999999999');
		expect(world.aws.writes()).toEqual([]);
	});
});
