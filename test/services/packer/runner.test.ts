import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import type {PackerOutputEvent} from '../../../source/services/packer/output';
import {formatPackerCommand, runPackerBuild, runPackerValidate, type PackerInvocation} from '../../../source/services/packer/runner';

const TEMPLATE = new URL('../../fixtures/packer-null/template.json', import.meta.url).pathname;
const SECRET = 'sup3r,secret\u00e9';
const dir = mkdtempSync(join(tmpdir(), 'packer-runner-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

function invocation(variables: Record<string, string> = {}): PackerInvocation {
	return {
		packer: 'packer',
		template: TEMPLATE,
		variables: {env: 'dev', run_id: 'run-1', ...variables},
		secrets: {librato_token: SECRET},
		env: process.env,
	};
}

function start(name: string, variables: Record<string, string> = {}) {
	const events: PackerOutputEvent[] = [];
	const logPath = join(dir, 'runs', `${name}.packer.log`);
	const build = runPackerBuild({...invocation(variables), logPath, onEvent: event => events.push(event)});
	return {build, events, logPath};
}

function everythingIn(folder: string): string {
	return readdirSync(folder, {recursive: true, withFileTypes: true})
		.filter(entry => entry.isFile())
		.map(entry => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
		.join('\n');
}

describe('runPackerBuild with the real packer', () => {
	it('streams scrubbed lines live and writes the scrubbed log', async () => {
		const {build, events, logPath} = start('success', {line_count: '3000'});
		expect(build.pid).toBeGreaterThan(0);
		const result = await build.result;
		expect(result).toEqual({exitCode: 0, amiIds: {}, errors: [], cancelled: false});
		const lines = events.flatMap(event => (event.type === 'line' ? [event.text] : []));
		expect(lines).toContain('    null: starting, env=dev');
		expect(lines).toContain('    null: token=***');
		expect(lines).toContain('    null: line 2999');
		expect(lines).toContain('==> null: remote-stderr');
		expect(events).toContainEqual({type: 'phase', phase: 'provision', activity: expect.stringMatching(/^Running local shell script/)});
		const log = readFileSync(logPath, 'utf8');
		expect(log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ==> null: Running local shell script/m);
		expect(log).toContain('null: token=***');
		expect(log).toContain('[null] artifact 0 id Null');
		expect(statSync(logPath).mode & 0o777).toBe(0o600);
		expect(JSON.stringify(events)).not.toContain('sup3r');
		expect(log).not.toContain('sup3r');
	});

	it('reports a provisioner failure with its exit code and Packer error line', async () => {
		const {build, logPath} = start('failure', {exit_code: '3'});
		const result = await build.result;
		expect(result.exitCode).toBe(1);
		expect(result.errors).toEqual(['Script exited with non-zero exit status: 3.Allowed exit codes are: [0]']);
		expect(readFileSync(logPath, 'utf8')).toMatch(/Z error-count 1$/m);
	});

	it('cancels cleanly with SIGINT to the process group', async () => {
		const {build, events} = start('cancel', {sleep_seconds: '30'});
		await new Promise<void>(resolve => {
			const timer = setInterval(() => {
				if (events.some(event => event.type === 'line' && event.text.includes('starting long step'))) {
					clearInterval(timer);
					resolve();
				}
			}, 20);
		});
		const startedAt = Date.now();
		build.cancel();
		const result = await build.result;
		expect(Date.now() - startedAt).toBeLessThan(10_000);
		expect(result.cancelled).toBe(true);
		expect(result.exitCode).toBe(1);
		const lines = events.flatMap(event => (event.type === 'line' ? [event.text] : []));
		expect(lines).toContain('Cleanly cancelled builds after being interrupted.');
	});

	it('kills the whole group when forced', async () => {
		const {build, events} = start('kill', {sleep_seconds: '30'});
		await new Promise(resolve => setTimeout(resolve, 300));
		build.kill();
		const result = await build.result;
		expect(result.exitCode).toBe(137);
		expect(result.cancelled).toBe(false);
		expect(events.some(event => event.type === 'line' && event.text.startsWith('Cleanly'))).toBe(false);
	});

	it('stops reading once Packer has exited even if a stray child still holds its output', async () => {
		const stray = join(dir, 'stray-packer');
		writeFileSync(stray, '#!/bin/sh\necho "1,,ui,say,==> null: Running local shell script: x"\nsleep 30 &\nexit 0\n', {mode: 0o755});
		const events: PackerOutputEvent[] = [];
		const startedAt = Date.now();
		const build = runPackerBuild({...invocation(), packer: stray, logPath: join(dir, 'runs', 'stray.log'), onEvent: event => events.push(event)});
		const result = await build.result;
		process.kill(-build.pid!, 'SIGKILL');
		expect(Date.now() - startedAt).toBeLessThan(5000);
		expect(result.exitCode).toBe(0);
		expect(events).toContainEqual({type: 'line', level: 'say', text: '==> null: Running local shell script: x'});
	});

	it('rejects when the packer binary does not exist', async () => {
		const build = runPackerBuild({...invocation(), packer: join(dir, 'no-packer'), logPath: join(dir, 'runs', 'missing.log')});
		await expect(build.result).rejects.toThrow(/ENOENT/);
	});

	it('no secret value reached any file it wrote', () => {
		expect(everythingIn(dir)).not.toContain('sup3r');
	});
});

describe('runPackerValidate', () => {
	it('validates with the real variables and scrubs its output', async () => {
		expect(await runPackerValidate(invocation())).toEqual({exitCode: 0, lines: []});
		const broken = await runPackerValidate({...invocation(), template: join(dir, 'missing-sup3r,secret\u00e9.json')});
		expect(broken.exitCode).toBe(1);
		expect(broken.lines.join('\n')).toContain('missing-***.json');
	});
});

describe('formatPackerCommand', () => {
	it('shows the exact command line with secrets masked and quoted for a shell', () => {
		const text = formatPackerCommand('build', {...invocation({version: "it's"}), template: '/t/packer.json'});
		expect(text).toBe(
			"CHECKPOINT_DISABLE=1 LIBRATO_TOKEN=*** packer build -machine-readable -color=false -var env=dev -var run_id=run-1 -var 'version=it'\\''s' /t/packer.json",
		);
	});
});
