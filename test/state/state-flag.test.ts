import {execFile} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, describe, expect, test} from 'vitest';
import {CLI} from '../support/pty';

const root = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-state-flag-'));
afterAll(() => rmSync(root, {recursive: true, force: true}));
const home = path.join(root, 'home');
mkdirSync(home);
/** No credentials anywhere: an empty HOME, no instance metadata. */
const env = {
	PATH: process.env.PATH,
	HOME: home,
	CONVOX_AMI_REHEARSAL_WORLD: path.join(root, 'world'),
	AWS_EC2_METADATA_DISABLED: 'true',
	AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

async function cli(args: string[]): Promise<{code: number; stderr: string}> {
	try {
		const {stderr} = await promisify(execFile)(process.execPath, [CLI, ...args], {env, cwd: root});
		return {code: 0, stderr};
	} catch (error) {
		const failed = error as {code: number; stderr: string};
		return {code: failed.code, stderr: failed.stderr};
	}
}

describe('--state, state.s3 and unlock refuse bad input with exit 2 and what to do', () => {
	test('an --state that is not s3://BUCKET/PREFIX', async () => {
		expect(await cli(['runs', '--state', 's3:/team'])).toEqual({
			code: 2,
			stderr: 'convox-ami: --state s3:/team is not an S3 location.\nPass --state s3://BUCKET/PREFIX (the prefix may be empty).\n',
		});
	});

	test('no credentials for the state bucket', async () => {
		const {code, stderr} = await cli(['runs', '--state', 's3://acme-convox-ami/team']);
		expect(code).toBe(2);
		expect(stderr).toMatch(
			/^convox-ami: No AWS credentials for the state s3:\/\/acme-convox-ami\/team: .*\nSet state.s3.profile in the config/,
		);
	});

	test('a config whose state.s3 names no bucket one could create', async () => {
		const config = path.join(root, 'bad-state.json');
		writeFileSync(
			config,
			JSON.stringify({
				accounts: {dev: {accountId: '111111111111', stackName: 'convox-dev'}},
				state: {s3: {bucket: 'Not_A_Bucket', prefix: 'team', colour: 'blue'}},
			}),
		);
		const {code, stderr} = await cli(['runs', '--config', config]);
		expect(code).toBe(2);
		expect(stderr).toContain('  - state.s3.bucket: expected an S3 bucket name');
		expect(stderr).toContain('  - state.s3: unknown key "colour"');
	});

	test('unlock without a shared state, and with an id that is not a lock id', async () => {
		expect(await cli(['unlock', '111111111111.us-east-1.convox-dev.3f2a9c1b'])).toMatchObject({
			code: 2,
			stderr: expect.stringContaining('Rack locks are kept in the S3 state; no state is configured here.'),
		});
		expect(await cli(['unlock', 'convox-dev', '--rehearse', '--state', 's3://rehearsal/team'])).toMatchObject({
			code: 2,
			stderr: expect.stringContaining('convox-dev is not a lock id.'),
		});
	});
});
