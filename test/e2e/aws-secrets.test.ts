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

const LIBRATO_TOKEN = 'ssm-kept-librato-Vb81Zp04';
const LOGSPOUT_TOKEN = 'sm-kept-logspout-Hx55Wd';
const LIBRATO_PARAMETER = '/convox-ami/dev/librato-token';
const LOGSPOUT_SECRET = 'convox-ami/logspout';

/** A release world whose LIBRATO_TOKEN and LOGSPOUT_TOKEN are kept in AWS and named by the config, not set in the environment. */
async function secretsInAws(): Promise<ChecklistWorld> {
	const created = await createChecklistWorld({
		released: false,
		secrets: {LIBRATO_EMAIL: 'ops@example.com', LIBRATO_TOKEN, LOGSPOUT_TOKEN},
		extraEnv: {FAKE_PACKER_LEAK: '1'},
	});
	delete created.env.LIBRATO_TOKEN;
	delete created.env.LOGSPOUT_TOKEN;
	created.aws.state.data.ssmSecureStrings = {[LIBRATO_PARAMETER]: LIBRATO_TOKEN};
	created.aws.state.data.secrets = {[LOGSPOUT_SECRET]: LOGSPOUT_TOKEN};
	const config = JSON.parse(await readFile(created.configPath, 'utf8')) as {secrets?: object; accounts: {dev: {secrets?: object}}};
	config.secrets = {LOGSPOUT_TOKEN: `secretsmanager:${LOGSPOUT_SECRET}`};
	config.accounts.dev.secrets = {LIBRATO_TOKEN: `ssm:${LIBRATO_PARAMETER}`};
	await writeFile(created.configPath, JSON.stringify(config, null, 2));
	return created;
}

async function stateDirText(stateDir: string): Promise<string> {
	const entries = await readdir(stateDir, {recursive: true, withFileTypes: true});
	const files = entries.filter(entry => entry.isFile()).map(entry => path.join(entry.parentPath, entry.name));
	return (await Promise.all(files.map(file => readFile(file, 'utf8')))).join('\n');
}

const RELEASE = ['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'];

describe('a release whose build secrets are kept in SSM and Secrets Manager', () => {
	it('reads each once with the account credentials, builds and checks with them, and leaves them in no file, event or output', async () => {
		world = await secretsInAws();
		const result = await runCli(RELEASE, {cwd: world.dir, env: world.env});
		expect(result.code, result.stderr).toBe(0);
		const parameterReads = world.aws.calls.filter(call => call.action === 'GetParameter' && call.params.Name === LIBRATO_PARAMETER);
		expect(parameterReads).toHaveLength(1);
		expect(parameterReads[0]?.params.WithDecryption).toBe(true);
		expect(world.aws.calls.filter(call => call.action === 'GetSecretValue').map(call => call.params.SecretId)).toEqual([LOGSPOUT_SECRET]);
		// The Librato stand-in answers only the token kept in SSM: the check passing proves the value reached it.
		expect(result.events.filter(event => event.type === 'check' && event.id === 'metrics').at(-1)).toMatchObject({status: 'pass'});
		const everything = `${result.stdout}\n${result.stderr}\n${await stateDirText(world.stateDir)}`;
		expect(everything).toContain('librato_token=***');
		for (const secret of [LIBRATO_TOKEN, LOGSPOUT_TOKEN]) expect(everything).not.toContain(secret);
	});

	it('the environment wins over the config: nothing is read from AWS for a secret it sets', async () => {
		world = await secretsInAws();
		const result = await runCli(RELEASE, {cwd: world.dir, env: {...world.env, LOGSPOUT_TOKEN: 'from-the-shell-Qm73Lk'}});
		expect(result.code, result.stderr).toBe(0);
		expect(world.aws.calls.filter(call => call.action === 'GetSecretValue')).toEqual([]);
	});

	it('an access denial stops the build before Packer starts, naming the secret and the permission', async () => {
		world = await secretsInAws();
		world.aws.state.data.secretsDenied = [LOGSPOUT_SECRET];
		const result = await runCli(RELEASE, {cwd: world.dir, env: world.env});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(
			`LOGSPOUT_TOKEN: reading the Secrets Manager secret ${LOGSPOUT_SECRET} in account 111111111111 (us-east-1) was denied`,
		);
		expect(result.stderr).toContain('Allow secretsmanager:GetSecretValue on it');
		expect(world.aws.calls.filter(call => call.action === 'RunInstances' || call.action === 'RegisterImage')).toEqual([]);
		expect(world.aws.writes()).toEqual([]);
	});
});
