import {mkdir, readdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {exists, runCli, sharedCliWorld} from '../support/cli-env';

const shared = sharedCliWorld();
const {stateDir, run} = shared;

describe.concurrent('bad input: config, flags and the state dir', () => {
	it('config missing: names the path and how to make one, exit 2', async () => {
		const dir = stateDir();
		const result = await run(['release', '--env', 'dev', '--yes', '--config', 'nowhere.json'], dir);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(`No config at ${path.join(shared.world.dir, 'nowhere.json')}`);
		expect(result.stderr).toContain('Check the --config path');
		expect(await exists(dir)).toBe(false);
	});

	it('config missing in the current folder: points at the sample and at --rehearse', async () => {
		const empty = path.join(shared.world.dir, 'empty');
		await mkdir(empty, {recursive: true});
		const result = await runCli(['release', '--env', 'dev', '--yes'], {cwd: empty, env: shared.world.env});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/No config at .*convox-ami\.config\.json/);
		expect(result.stderr).toMatch(/convox-ami\.config\.sample\.json.*--config PATH.*--rehearse/);
	});

	it('config not JSON: says so with the parser position, exit 2, no state dir made', async () => {
		const file = path.join(shared.world.dir, 'broken.json');
		await writeFile(file, '{"region": "us-east-1",\n  "accounts": {\n');
		const dir = stateDir();
		const result = await run(['release', '--env', 'dev', '--yes', '--config', file], dir);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(`The config ${file} is not valid JSON`);
		expect(await exists(dir)).toBe(false);
	});

	it('config with an unknown key and a wrong account id: every problem with its path, exit 2', async () => {
		const file = path.join(shared.world.dir, 'invalid.json');
		await writeFile(
			file,
			JSON.stringify({
				region: 'us-east-1',
				colour: 'blue',
				accounts: {dev: {profile: 'convox-dev', accountId: '1111', stackName: 'convox-dev', helloWorldUrl: 'ftp://x'}},
			}),
		);
		const result = await run(['release', '--env', 'dev', '--yes', '--config', file]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(`The config ${file} is not valid`);
		expect(result.stderr).toContain('(top level): unknown key "colour"');
		expect(result.stderr).toContain('accounts.dev.accountId: expected 12 digits');
		expect(result.stderr).toContain('accounts.dev.helloWorldUrl: expected an http(s) URL');
		expect(result.stderr).toContain('docs/configuration.md lists every key');
	});

	it('--env naming an unknown account: lists the accounts there are, exit 2', async () => {
		const result = await run(['release', '--env', 'staging', '--yes']);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/No account "staging" in .*convox-ami\.config\.json; it has dev, wrong/);
	});

	it('an unknown flag: exit 2 with the usage', async () => {
		const result = await run(['release', '--env', 'dev', '--colour']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain("unknown option '--colour'");
		expect(result.stderr).toContain('Usage: convox-ami release [options]');
	});

	it('an unknown command: exit 2 with the usage', async () => {
		const result = await run(['deploy']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain("unknown command 'deploy'");
		expect(result.stderr).toContain('Usage: convox-ami [options] [command]');
	});

	it('--convox-version malformed: shows the expected form, exit 2', async () => {
		const result = await run(['release', '--env', 'dev', '--yes', '--convox-version', 'latest']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--convox-version latest is not a Convox version id (YYYYMMDDHHMMSS');
	});

	it('--region malformed: exit 2', async () => {
		const result = await run(['release', '--env', 'dev', '--yes', '--region', 'Virginia']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--region Virginia is not an AWS region such as us-east-1');
	});

	it('a prompt nobody can answer (no --env, no terminal): exit 2 naming --env', async () => {
		const dir = stateDir();
		const result = await run(['release'], dir);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('"Which account?" needs an answer and no one can give it here');
		expect(result.stderr).toContain('Pass --env NAME (one of dev, wrong)');
		expect(await readdir(path.join(dir, 'runs'))).toEqual([]);
	});

	it('a state dir under a file: says which and what to pass instead, exit 2', async () => {
		const file = path.join(shared.world.dir, 'a-file');
		await writeFile(file, 'not a folder\n');
		const result = await run(['release', '--env', 'dev', '--yes'], path.join(file, 'state'));
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(`The state dir ${path.join(file, 'state')} cannot be used`);
		expect(result.stderr).toContain('ENOTDIR');
		expect(result.stderr).toContain('Pass --state-dir DIR with a folder you can write');
	});

	it('a state dir under /dev/null: exit 2, nothing started', async () => {
		const result = await run(['release', '--env', 'dev', '--yes', '--json'], '/dev/null/convox-ami');
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('The state dir /dev/null/convox-ami cannot be used');
		expect(result.events).toEqual([
			expect.objectContaining({type: 'error', message: expect.stringContaining('/dev/null/convox-ami cannot be used')}),
		]);
	});
});

describe('bad input: nothing reached AWS or the release files', () => {
	it('made no AWS call and fetched no release file in any of these cases', async () => {
		expect(shared.stateDirsTaken).toBeGreaterThan(0);
		expect(shared.world.aws.calls).toEqual([]);
		expect(shared.world.releases.requests).toEqual([]);
		expect(await exists(path.join(shared.world.dir, '.convox-ami'))).toBe(false);
	});
});
