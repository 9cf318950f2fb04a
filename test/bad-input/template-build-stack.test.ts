import {execFileSync} from 'node:child_process';
import {readFile, rm, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {rackStackSeed} from '../../source/rehearsal/aws-stand-in';
import {runCli} from '../support/cli-env';
import {createLiveWorld, onlyRun, type LiveWorld} from '../support/bad-input-world';
import {script} from '../support/tool-scripts';

let clean: LiveWorld;
let rollbackFailed: LiveWorld;
let rollsBack: LiveWorld;
let counter = 0;

const FAILURE = "The image id '[ami-0badbadbadbadbad0]' does not exist";

beforeAll(async () => {
	[clean, rollbackFailed, rollsBack] = await Promise.all([
		createLiveWorld(),
		createLiveWorld({aws: {stacks: [rackStackSeed({stackName: 'convox-dev', status: 'UPDATE_ROLLBACK_FAILED'})]}}),
		createLiveWorld({aws: {scenario: 'rollback', failureReason: FAILURE}}),
	]);
	await Promise.all([clean.liveConfig(), rollbackFailed.liveConfig(), rollsBack.liveConfig()]);
});
afterAll(async () => Promise.all([clean?.close(), rollbackFailed?.close(), rollsBack?.close()]));

function stateDir(world: LiveWorld): string {
	return path.join(world.dir, `state-${++counter}`);
}

const run = (world: LiveWorld, args: string[], dir: string, env: NodeJS.ProcessEnv = world.env) =>
	runCli([...args, '--state-dir', dir], {cwd: world.dir, env});

const git = (cwd: string, ...args: string[]) =>
	execFileSync('git', ['-c', 'user.email=ops@example.com', '-c', 'user.name=Ops', ...args], {cwd, stdio: 'pipe'}).toString();

describe.concurrent('bad input: template, Packer and the stack', () => {
	it('a build secret nobody can give (no terminal): exit 2 naming LOGSPOUT_TOKEN, nothing built', async () => {
		const dir = stateDir(clean);
		const env = {...clean.env};
		delete env.LOGSPOUT_TOKEN;
		const result = await run(clean, ['release', '--env', 'dev', '--yes'], dir, env);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('"logspout route token (SumoLogic) (LOGSPOUT_TOKEN)" needs an answer and no one can give it here');
		expect(result.stderr).toContain('Pass LOGSPOUT_TOKEN');
		expect((await onlyRun(dir)).steps.find(step => step.id === 'build')).toMatchObject({status: 'failed'});
		await expect(stat(path.join(dir, 'runs', `${(await onlyRun(dir)).id}.packer.log`))).rejects.toThrow();
	});

	it("Packer failing: exit 1 with Packer's error and the log path; resume builds again and finishes", async () => {
		const dir = stateDir(clean);
		const fixed = path.join(clean.dir, 'packer-fixed');
		await script(
			path.join(clean.binDir, 'flaky-packer'),
			[
				`if [ -f '${fixed}' ]; then exec '${path.join(clean.binDir, 'packer')}' "$@"; fi`,
				'echo "1764032400,,ui,error,Build \'amazon-ebs\' errored: Error launching source instance: InsufficientInstanceCapacity: no t2.micro left"',
				'echo "1764032400,amazon-ebs,error,Error launching source instance: InsufficientInstanceCapacity"',
				'exit 1',
			].join('\n'),
		);
		const config = await clean.liveConfig({}, {binaries: {packer: 'bin/flaky-packer', convox: 'bin/convox'}}, 'flaky.json');
		const failed = await run(clean, ['release', '--env', 'dev', '--yes', '--config', config], dir);
		expect(failed.code).toBe(1);
		const journal = await onlyRun(dir);
		const log = path.join(dir, 'runs', `${journal.id}.packer.log`);
		expect(failed.stderr).toContain('Packer build failed (exit 1)');
		expect(failed.stderr).toContain('InsufficientInstanceCapacity');
		expect(failed.stderr).toContain(`Full log: ${log}`);
		expect(failed.stderr).toContain('convox-ami resume');
		expect(await readFile(log, 'utf8')).toContain('InsufficientInstanceCapacity');
		expect(journal.steps.find(step => step.id === 'build')).toMatchObject({status: 'failed', attempts: 1});
		expect(journal.steps.find(step => step.id === 'update-stack')).toMatchObject({status: 'pending'});

		await writeFile(fixed, '');
		const resumed = await runCli(['resume', '--yes', '--json', '--confirm', 'sumologic', '--state-dir', dir, '--config', config], {
			cwd: clean.dir,
			env: clean.env,
		});
		expect(resumed.code, resumed.stderr).toBe(0);
		expect(resumed.events.find(event => event.type === 'step' && event.step === 'build' && event.status === 'done')).toMatchObject({
			amiId: expect.stringMatching(/^ami-/),
		});
		expect((await onlyRun(dir)).steps.find(step => step.id === 'build')).toMatchObject({status: 'done', attempts: 2});
	});

	it('the packer binary missing: exit 1 saying how to install it or where to point', async () => {
		const dir = stateDir(clean);
		const config = await clean.liveConfig({}, {binaries: {packer: 'bin/no-such-packer', convox: 'bin/convox'}}, 'no-packer.json');
		const result = await run(clean, ['release', '--env', 'dev', '--yes', '--config', config], dir);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`Packer (${path.join(clean.binDir, 'no-such-packer')}) could not be started`);
		expect(result.stderr).toContain('ENOENT');
		expect(result.stderr).toContain('"binaries.packer"');
		expect((await onlyRun(dir)).steps.find(step => step.id === 'build')).toMatchObject({status: 'failed'});
	});

	it('a missing Packer template: exit 2 naming the path and the config key', async () => {
		const config = await clean.liveConfig({}, {template: 'nowhere/packer.json'}, 'no-template.json');
		const result = await run(clean, ['release', '--env', 'dev', '--yes', '--config', config], stateDir(clean));
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(
			`The Packer template of the config cannot be read: ${path.join(clean.dir, 'nowhere/packer.json')} does not exist`,
		);
		expect(result.stderr).toContain('Fix "template" in the config');
	});

	it('production template step with a dirty git tree: exit 1 naming the files and what to commit; nothing built', async () => {
		const repo = path.join(clean.dir, 'prod-repo');
		execFileSync('cp', ['-r', clean.templateDir, repo]);
		git(repo, 'init', '-q');
		git(repo, 'add', '.');
		git(repo, 'commit', '-q', '-m', 'template');
		await writeFile(path.join(repo, 'scripts', 'extra.sh'), 'echo uncommitted\n');
		const config = await clean.liveConfig({production: true}, {template: 'prod-repo/packer.json'}, 'prod.json');
		const dir = stateDir(clean);
		const result = await run(clean, ['release', '--env', 'dev', '--yes', '--config', config], dir);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/The working tree of .*prod-repo is not clean: scripts\/extra\.sh/);
		expect(result.stderr).toContain('Commit those files');
		const journal = await onlyRun(dir);
		expect(journal.steps.find(step => step.id === 'template')).toMatchObject({status: 'failed'});
		expect(journal.steps.find(step => step.id === 'build')).toMatchObject({status: 'pending'});
		await rm(repo, {recursive: true});
	});

	it('a stack in UPDATE_ROLLBACK_FAILED: stops before any write, exit 1 saying how to continue the rollback', async () => {
		const dir = stateDir(rollbackFailed);
		const result = await run(rollbackFailed, ['release', '--env', 'dev', '--yes'], dir);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('convox-dev is UPDATE_ROLLBACK_FAILED');
		expect(result.stderr).toContain('Nothing was changed');
		expect(result.stderr).toContain('aws cloudformation continue-update-rollback --stack-name convox-dev');
		expect(rollbackFailed.aws.writes()).toEqual([]);
		expect((await onlyRun(dir)).steps.find(step => step.id === 'update-stack')).toMatchObject({status: 'failed'});
	});

	it('a stack update that rolls back: exit 1 naming the failed resource and its reason, never 0', async () => {
		const dir = stateDir(rollsBack);
		const result = await run(rollsBack, ['release', '--env', 'dev', '--yes', '--json'], dir);
		expect(result.code).toBe(1);
		const error = result.events.find(event => event.type === 'error');
		expect(error).toMatchObject({step: 'update-stack'});
		expect(String(error?.message)).toContain(FAILURE);
		expect(String(error?.message)).toMatch(/UPDATE_ROLLBACK_COMPLETE/);
		expect(String(error?.message)).toContain('First failure: Instances (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED');
		expect(result.events.filter(event => event.type === 'stack-event' && String(event.status).endsWith('_FAILED')).length).toBeGreaterThan(
			0,
		);
		expect(rollsBack.aws.writes().map(call => call.action)).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
		const journal = await onlyRun(dir);
		expect(journal.status).toBe('failed');
		expect(journal.steps.find(step => step.id === 'verify')).toMatchObject({status: 'pending'});
	});
});
