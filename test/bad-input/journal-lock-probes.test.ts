import {execFileSync, spawn} from 'node:child_process';
import {once} from 'node:events';
import {existsSync} from 'node:fs';
import {mkdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {rackStackSeed, stockImage} from '../../source/rehearsal/aws-stand-in';
import bundledFormation from '../../source/rehearsal/data/formation.json';
import bundledVersions from '../../source/rehearsal/data/versions.json';
import {startReleasesStandIn} from '../../source/rehearsal/releases-stand-in';
import {runCli} from '../support/cli-env';
import {serve as serveLoopback, type Loopback} from '../support/loopback';
import {createLiveWorld, journals, onlyRun, runCliWithFileSizeLimit, startCli, until, type LiveWorld} from '../support/bad-input-world';

let world: LiveWorld;
let probed: LiveWorld;
let counter = 0;
const servers: Loopback[] = [];

beforeAll(async () => {
	// The stack of the probe world runs a custom AMI already, so that only hello-world can fail.
	[world, probed] = await Promise.all([
		createLiveWorld(),
		createLiveWorld({aws: {stacks: [rackStackSeed({stackName: 'convox-dev', parameters: {Ami: stockImage.imageId!}})]}}),
	]);
	await world.liveConfig();
});
afterAll(async () => {
	await Promise.all([...servers.map(server => server.close()), world?.close(), probed?.close()]);
});

function stateDir(): string {
	return path.join(world.dir, `state-${++counter}`);
}

const run = (args: string[], dir: string, env: NodeJS.ProcessEnv = world.env) =>
	runCli([...args, '--state-dir', dir], {cwd: world.dir, env});

async function serve(handler: Parameters<typeof serveLoopback>[0]): Promise<string> {
	const server = await serveLoopback(handler);
	servers.push(server);
	return server.url;
}

/** The release files, calling `beforeFormation` (synchronously) when the template is asked for. */
function releasesServer(beforeFormation: () => void): Promise<string> {
	return serve((request, response) => {
		response.setHeader('content-type', 'application/json');
		if (request.url === '/versions.json') return response.end(JSON.stringify(bundledVersions));
		beforeFormation();
		response.end(JSON.stringify(bundledFormation));
	});
}

function tryMountTmpfs(dir: string, size: string): string | undefined {
	try {
		execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {stdio: 'pipe'});
		return undefined;
	} catch (error) {
		return String((error as {stderr?: Buffer}).stderr ?? error).trim() || 'mount failed';
	}
}

/** Writes a file until the file system refuses: ENOSPC. */
function fillDisk(file: string): void {
	execFileSync('sh', ['-c', `dd if=/dev/zero of='${file}' bs=4096 2>/dev/null; sync`]);
}

describe.concurrent('bad input: the journal, the lock and the probes', () => {
	it('a second process on the same state dir: exit 2 naming the first, which finishes unharmed', async () => {
		const dir = stateDir();
		const slow = await startReleasesStandIn({latencyMs: 1500});
		const env = {...world.env, CONVOX_RELEASES_URL: slow.url};
		const first = startCli(['release', '--env', 'dev', '--yes', '--dry-run', '--state-dir', dir], {cwd: world.dir, env});
		try {
			await until(async () => Object.values(await journals(dir)).some(text => /"id": "resolve-version",\s*"status": "running"/.test(text)));
			const second = await run(['release', '--env', 'dev', '--yes'], dir);
			expect(second.code).toBe(2);
			expect(second.stderr).toContain(`Another convox-ami (pid ${first.pid}, \`convox-ami release\``);
			expect(second.stderr).toContain('Wait for it to finish, or use another --state-dir');
			const firstResult = await first.result;
			expect(firstResult.code, firstResult.stderr).toBe(0);
			expect((await onlyRun(dir)).status).toBe('finished');
			expect(existsSync(path.join(dir, 'lock'))).toBe(false);
		} finally {
			await slow.close();
		}
	});

	it('a stale lock (its process is gone) is taken over with a notice', async () => {
		const dir = stateDir();
		await mkdir(dir, {recursive: true});
		const gone = Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$"']).toString().trim());
		await writeFile(
			path.join(dir, 'lock'),
			JSON.stringify({pid: gone, host: os.hostname(), startedAt: '2026-11-24T10:00:00.000Z', command: 'convox-ami release'}),
		);
		const result = await run(['release', '--env', 'dev', '--yes', '--dry-run', '--json'], dir);
		expect(result.code, result.stderr).toBe(0);
		expect(result.events[0]).toMatchObject({
			type: 'notice',
			level: 'warn',
			message: `Took over the lock of ${dir} left by pid ${gone} (convox-ami release), which is no longer running.`,
		});
		expect(existsSync(path.join(dir, 'lock'))).toBe(false);
	});

	it('a lock held by a zombie (killed, not yet reaped by its parent) is taken over with a notice', async () => {
		const dir = stateDir();
		await mkdir(dir, {recursive: true});
		// Once the shell has become `sleep 60` (which never waits for children), its killed background child stays a zombie.
		const parent = spawn('sh', ['-c', 'sleep 60 & echo $!; exec sleep 60'], {stdio: ['ignore', 'pipe', 'inherit']});
		const zombie = Number((await once(parent.stdout, 'data'))[0].toString().trim());
		try {
			await until(() => readFile(`/proc/${parent.pid}/cmdline`, 'utf8').then(line => line.startsWith('sleep\0')));
			process.kill(zombie, 'SIGKILL');
			await until(() => readFile(`/proc/${zombie}/stat`, 'utf8').then(stat => stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')));
			expect(() => process.kill(zombie, 0), 'signal 0 still reaches a zombie').not.toThrow();
			await writeFile(
				path.join(dir, 'lock'),
				JSON.stringify({pid: zombie, host: os.hostname(), startedAt: '2026-11-24T10:00:00.000Z', command: 'convox-ami release'}),
			);
			const result = await run(['release', '--env', 'dev', '--yes', '--dry-run', '--json'], dir);
			expect(result.code, result.stderr).toBe(0);
			expect(result.events[0]).toMatchObject({
				type: 'notice',
				level: 'warn',
				message: `Took over the lock of ${dir} left by pid ${zombie} (convox-ami release), which is no longer running.`,
			});
			expect(existsSync(path.join(dir, 'lock'))).toBe(false);
		} finally {
			parent.kill();
			try {
				process.kill(zombie, 'SIGKILL');
			} catch {
				// already gone
			}
		}
	});

	it('a corrupt journal on resume: a clear error, exit 2, the file untouched', async () => {
		const dir = stateDir();
		const id = '20261124-100000-dev-abcd';
		const file = path.join(dir, 'runs', `${id}.json`);
		await mkdir(path.dirname(file), {recursive: true});
		const corrupt = '{"schemaVersion": 1, "id": "20261124-100000-dev-abcd", "steps": [{"id": "account", "sta';
		await writeFile(file, corrupt);
		const before = await stat(file);

		const byId = await run(['resume', id, '--yes'], dir);
		expect(byId.code).toBe(2);
		expect(byId.stderr).toContain(`The journal ${file} is corrupt`);
		expect(byId.stderr).toContain('it was left as it is');
		expect(byId.stderr).toContain('Move it aside');

		const newest = await run(['resume', '--yes'], dir);
		expect(newest.code).toBe(2);
		expect(newest.stderr).toContain(`No unfinished run in ${dir} that loads`);
		expect(newest.stderr).toContain(`The journal ${file} is corrupt`);

		expect(await readFile(file, 'utf8')).toBe(corrupt);
		expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
	});

	it('a journal the file size limit stops mid-run (RLIMIT_FSIZE): exit 1, the previous journal intact and resumable', async () => {
		const dir = stateDir();
		const result = await runCliWithFileSizeLimit(6000, ['release', '--env', 'dev', '--yes', '--dry-run', '--state-dir', dir], {
			cwd: world.dir,
			env: world.env,
		});
		// A short write must not pass for the whole journal (write-file-atomic's sync path takes it so, and renames a truncated file over the good one).
		expect(result.code, `the journal must not be truncated silently:\n${result.stderr}`).toBe(1);
		expect(result.stderr).toMatch(/Cannot write the journal .*\.json: .*(ulimit -f|EFBIG|too large)/);
		expect(result.stderr).toContain('The previous journal is intact');
		const journal = await onlyRun(dir);
		expect(journal.steps.find(step => step.id === 'account')).toMatchObject({status: 'done'});
		expect(journal.steps.find(step => step.id === 'resolve-version')?.status).toMatch(/^(running|failed)$/);

		const resumed = await run(['resume', '--yes', '--json'], dir);
		expect(resumed.code, resumed.stderr).toBe(0);
		expect(resumed.events[0]).toMatchObject({type: 'run', status: 'resumed', runId: journal.id});
		expect((await onlyRun(dir)).status).toBe('finished');
	});

	it('a full disk when writing the journal (tmpfs): exit 1, the previous journal intact; resume after freeing space', async ({skip}) => {
		const disk = path.join(world.dir, `disk-${++counter}`);
		await mkdir(disk, {recursive: true});
		const refused = tryMountTmpfs(disk, '1m');
		if (refused) {
			console.warn(`full-disk case skipped: cannot mount a tmpfs here (${refused}); the RLIMIT_FSIZE case covers a failing journal write`);
			skip();
		}
		const filler = path.join(disk, 'filler');
		const dir = path.join(disk, 'state');
		try {
			let filled = false;
			const url = await releasesServer(() => {
				if (!filled) fillDisk(filler);
				filled = true;
			});
			const env = {...world.env, CONVOX_RELEASES_URL: url};
			const result = await run(['release', '--env', 'dev', '--yes', '--dry-run'], dir, env);
			expect(result.code).toBe(1);
			expect(result.stderr).toMatch(/Cannot write the journal .*\.json: the disk is full\./);
			expect(result.stderr).toContain('The previous journal is intact. Free space or fix permissions, then run `convox-ami resume`.');
			const journal = await onlyRun(dir);
			expect(journal.steps.find(step => step.id === 'resolve-version')).toMatchObject({status: 'running'});

			await rm(filler);
			const resumed = await run(['resume', '--yes', '--json'], dir, env);
			expect(resumed.code, resumed.stderr).toBe(0);
			expect(resumed.events[0]).toMatchObject({type: 'run', status: 'resumed', runId: journal.id});
			expect((await onlyRun(dir)).steps.map(step => step.status)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
		} finally {
			execFileSync('umount', [disk]);
		}
	});

	it('hello-world never answering: verification fails naming hello-world, exit 1, nothing written to the stack', async () => {
		const silent = await serve((_request, response) => {
			response.statusCode = 503;
			response.end('upstream connect error\n');
		});
		const config = await probed.liveConfig({helloWorldUrl: `${silent}/`});
		const dir = path.join(probed.dir, 'state');
		const result = await runCli(
			['checklist', '--env', 'dev', '--yes', '--confirm', 'sumologic', '--json', '--config', config, '--state-dir', dir],
			{cwd: probed.dir, env: {...probed.env, CONVOX_AMI_PROBE_TIMEOUT: '2'}},
		);
		expect(result.code, result.stderr).toBe(1);
		const error = result.events.find(event => event.type === 'error');
		expect(error).toMatchObject({step: 'verify'});
		expect(String(error?.message)).toMatch(/^Verification failed: hello-world \(HTTP 503 .*gave up after/);
		expect(String(error?.message)).not.toMatch(/rack \(|instances \(|librato \(/);
		expect(result.events.find(event => event.type === 'check' && event.id === 'hello-world' && event.status === 'fail')).toBeDefined();
		expect(result.stderr).toContain('convox-ami resume');
		expect(probed.aws.writes()).toEqual([]);
	});
});
