import {tmpdir} from 'node:os';
import {describe, expect, it} from 'vitest';
import {probeCommand} from '../../../source/services/probes/command';

const options = {cwd: tmpdir(), environment: {...process.env, GREETING: 'hello'}, timeoutMs: 5000};

describe('probeCommand', () => {
	it('passes on the expected exit code and shows the output', async () => {
		const outcome = await probeCommand('echo "$GREETING from $(pwd)"', 0, options);
		expect(outcome.status).toBe('pass');
		expect(outcome.detail).toMatch(new RegExp(`^\`echo "\\$GREETING from \\$\\(pwd\\)"\` exited 0 in \\d+ ms: hello from ${tmpdir()}$`));
	});

	it('fails on another exit code with the last lines of output', async () => {
		const outcome = await probeCommand('echo one; echo two >&2; exit 3', 0, options);
		expect(outcome).toMatchObject({status: 'fail'});
		expect(outcome.detail).toMatch(/exited 3 in \d+ ms, expected 0: one \| two$/);
		expect((await probeCommand('exit 3', 3, options)).status).toBe('pass');
	});

	it('fails a command that runs too long', async () => {
		const outcome = await probeCommand('sleep 5', 0, {...options, timeoutMs: 200});
		expect(outcome.detail).toBe('`sleep 5` timed out after 200 ms');
	});
});

describe('probeCommand when interrupted', () => {
	it('stops the command and rejects', async () => {
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 100);
		const started = Date.now();
		await expect(probeCommand('sleep 5', 0, {...options, signal: controller.signal})).rejects.toThrow();
		expect(Date.now() - started).toBeLessThan(2000);
	});
});
