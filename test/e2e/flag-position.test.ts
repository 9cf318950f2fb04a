import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createCliWorld, runCli, type CliWorld} from '../support/cli-env';

let world: CliWorld;
beforeAll(async () => {
	world = await createCliWorld();
});
afterAll(async () => world.close());

const run = (args: string[]) => runCli(args, {cwd: world.dir, env: world.env});

/** What a run's events say, without the run id and times that differ from one run to the next. */
const shape = (events: Array<Record<string, unknown>>) =>
	events.map(({type, step, status, mode, kind, env}) => ({type, step, status, mode, kind, env}));

describe.concurrent('flags before the command mean the same as flags after it', () => {
	it('convox-ami --env dev --dry-run release = convox-ami release --env dev --dry-run', async () => {
		const [before, after] = await Promise.all([
			run(['--env', 'dev', '--dry-run', '--state-dir', path.join(world.dir, 'before'), 'release', '--yes', '--json']),
			run(['release', '--env', 'dev', '--dry-run', '--state-dir', path.join(world.dir, 'after'), '--yes', '--json']),
		]);
		expect(before.code, before.stderr).toBe(0);
		expect(after.code, after.stderr).toBe(0);
		expect(before.events[0]).toMatchObject({type: 'run', status: 'started', env: 'dev', kind: 'release'});
		expect(before.events.find(event => event.type === 'step' && event.step === 'update-stack' && event.status === 'done')).toBeDefined();
		expect(shape(before.events)).toEqual(shape(after.events));
		expect(world.aws.writes().map(write => write.action)).not.toContain('ExecuteChangeSet');
	});

	it('convox-ami --rehearse --dry-run release runs the rehearsal', async () => {
		const result = await run([
			'--rehearse',
			'--dry-run',
			'--state-dir',
			path.join(world.dir, 'rehearse'),
			'release',
			'--env',
			'dev',
			'--yes',
			'--json',
		]);
		expect(result.code, result.stderr).toBe(0);
		expect(result.events[0]).toMatchObject({type: 'run', status: 'started', mode: 'rehearsal', kind: 'release'});
		expect(result.stderr).not.toContain('too many arguments');
	});

	it('convox-ami --json runs = convox-ami runs --json, and a command argument after flags with values', async () => {
		const stateDir = path.join(world.dir, 'listed');
		const release = await run(['release', '--env', 'dev', '--dry-run', '--yes', '--json', '--state-dir', stateDir]);
		expect(release.code, release.stderr).toBe(0);
		const [before, after] = await Promise.all([
			run(['--json', '--state-dir', stateDir, 'runs']),
			run(['runs', '--json', '--state-dir', stateDir]),
		]);
		expect(before.code, before.stderr).toBe(0);
		expect(before.stdout).toBe(after.stdout);
		expect(before.stdout).toContain(String(release.events[0]?.runId));

		const resumed = await run(['--state-dir', stateDir, '--confirm', 'sumologic', 'resume', 'no-such-run', '--yes']);
		expect(resumed.code).toBe(2);
		expect(resumed.stderr).toContain('no-such-run');
		expect(resumed.stderr).not.toContain('too many arguments');
	});

	it('an unknown flag before the command still exits 2 with the usage', async () => {
		const result = await run(['--colour', 'release', '--env', 'dev']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain("unknown option '--colour'");
		expect(result.stderr).toContain('Usage: convox-ami release [options]');
	});

	it('an unknown command after flags exits 2 with the usage, not as an argument of release', async () => {
		const result = await run(['--env', 'dev', 'deploy']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain("unknown command 'deploy'");
		expect(result.stderr).toContain('Usage: convox-ami [options] [command]');
	});

	it('--help before a command shows that command, at once', async () => {
		const started = Date.now();
		const result = await run(['--rehearse', 'rollback', '--help']);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('Usage: convox-ami rollback [options] <run-id>');
		expect(Date.now() - started).toBeLessThan(3000);
	});
});
