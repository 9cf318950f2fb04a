import {execFileSync} from 'node:child_process';
import {copyFileSync, mkdtempSync, readFileSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const cli = path.join(root, 'dist', 'cli.js');
const {version} = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {version: string};

describe('the build (npm run build first)', () => {
	it('leaves dist/cli.js executable, so it runs by itself through its #! line', () => {
		expect(statSync(cli).mode & 0o777).toBe(0o755);
		expect(execFileSync(cli, ['--version'], {cwd: root}).toString().trim()).toBe(version);
	});

	it('answers npx convox-ami in the checkout, which runs the bin as it is', () => {
		// With a cold npx cache, npx installs the checkout and runs its `prepare` (the build, which
		// empties dist/ first) unless scripts are off: the suite's other files run dist/cli.js meanwhile.
		const built = statSync(cli).mtimeMs;
		const env = {...process.env, npm_config_ignore_scripts: 'true'};
		expect(execFileSync('npx', ['--no', '--', 'convox-ami', '--version'], {cwd: root, env}).toString().trim()).toBe(version);
		expect(statSync(cli).mtimeMs).toBe(built);
	}, 30_000);

	it('answers --version and --help from the entry alone, word for word as commander does', () => {
		// The entry and its answers without a single chunk beside them: nothing else can load.
		const alone = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-entry-'));
		for (const file of ['cli.js', 'package.json', 'quick-answers.json'])
			copyFileSync(path.join(root, 'dist', file), path.join(alone, file));
		const entry = path.join(alone, 'cli.js');
		const quick = (...args: string[]) => execFileSync(process.execPath, [entry, ...args]).toString();
		// Flags that are not a plain request for help send the same request to commander.
		const commander = (...args: string[]) => execFileSync(process.execPath, [cli, ...args, '--json']).toString();
		expect(quick('--version')).toBe(`${version}\n`);
		expect(quick('-v')).toBe(`${version}\n`);
		expect(quick('--help')).toBe(commander('--help'));
		expect(quick('help')).toBe(commander('--help'));
		const commands = [...quick('--help').matchAll(/^ {2}(\w+)\b/gm)].map(match => match[1]!).filter(name => name !== 'help');
		expect(commands).toEqual(expect.arrayContaining(['release', 'resume', 'runs', 'rollback', 'plan']));
		for (const command of commands) {
			expect(quick(command, '--help')).toBe(commander(command, '--help'));
			expect(quick('help', command)).toBe(commander(command, '--help'));
		}
		expect(() => execFileSync(process.execPath, [entry, '--rehearse', '--help'], {stdio: 'pipe'})).toThrow(/program\.mjs/);
	}, 120_000);
});
