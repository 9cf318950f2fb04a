import {execFileSync} from 'node:child_process';
import {readFileSync, statSync} from 'node:fs';
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
		expect(execFileSync('npx', ['--no', '--', 'convox-ami', '--version'], {cwd: root}).toString().trim()).toBe(version);
	}, 30_000);
});
