import {stripVTControlCharacters} from 'node:util';
import {mkdtemp} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createCliWorld, rehearsalEnv, type CliWorld} from '../support/cli-env';
import {runInPty, type PtySession} from '../support/pty';

let world: CliWorld | undefined;
afterEach(async () => world?.close());

describe('--json on a terminal without --yes', () => {
	it('asks with an enquirer prompt (Ink is not mounted) and keeps stdout for JSON events', async () => {
		world = await createCliWorld();
		const env = {...world.env};
		delete env.CI;
		const session = runInPty(['release', '--json', '--dry-run'], {cwd: world.dir, env});
		await session.waitFor('Which account?');
		expect(session.screen()).toMatch(/❯ dev|dev.*111111111111/);
		session.write('\r');
		const done = '"type":"step","step":"resolve-version","status":"done"';
		for (let waited = 0; !session.output().includes(done) && waited < 20_000; waited += 100)
			await new Promise(resolve => setTimeout(resolve, 100));
		session.write('\u0003');
		await session.exited;
		const jsonLines = session
			.output()
			.split(/\r?\n/)
			.map(line => line.slice(line.indexOf('{"type"')))
			.filter(line => line.startsWith('{"type"'));
		expect(session.output()).toContain(done);
		expect(jsonLines.length).toBeGreaterThan(3);
		expect(JSON.parse(jsonLines[0]!)).toMatchObject({type: 'run', status: 'started', env: 'dev', mode: 'dry-run'});
		expect(session.output()).not.toContain('Ctrl-C stop');
	});
});

/** Waits until the terminal was written `text` (the JSON lines on the same terminal soon scroll a prompt away). */
async function said(session: PtySession, text: string | RegExp, timeoutMs = 60_000): Promise<void> {
	const plain = () => stripVTControlCharacters(session.output());
	for (let waited = 0; typeof text === 'string' ? !plain().includes(text) : !text.test(plain()); waited += 100) {
		if (waited > timeoutMs) throw new Error(`never said ${String(text)}`);
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}

describe('--json on a terminal: the manual check asked with enquirer', () => {
	it('starts with nothing chosen: Enter alone answers nothing, ↓ then Enter confirms', async () => {
		const cwd = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-enquirer-manual-'));
		const session = runInPty(['release', '--rehearse', '--env', 'dev', '--json'], {
			cwd,
			env: rehearsalEnv(cwd, {CONVOX_AMI_REHEARSAL_LOGS: 'manual', CONVOX_AMI_REHEARSAL_PACKER: 'replay'}),
		});
		try {
			await session.waitFor(/Execute change set/, 60_000);
			session.write('y\r');
			await said(session, '(nothing chosen)');
			session.write('\r');
			await said(session, 'Nothing is chosen yet: choose with ↑↓, then Enter.');
			session.write('\u001B[B');
			await said(session, /▸\S* \S*Yes/);
			session.write('\r');
			expect(await session.exited).toBe(0);
		} finally {
			session.kill('SIGKILL');
		}
		const logs = session
			.output()
			.split(/\r?\n/)
			.map(line => line.slice(line.indexOf('{"type"')))
			.filter(line => line.startsWith('{"type":"check"') && line.includes('"id":"logs"'))
			.map(line => JSON.parse(line) as {status: string; detail: string});
		expect(logs.at(-1)).toMatchObject({status: 'pass', detail: 'confirmed by the operator'});
	}, 120_000);
});
