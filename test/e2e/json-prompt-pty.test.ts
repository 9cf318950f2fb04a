import {afterEach, describe, expect, it} from 'vitest';
import {createCliWorld, type CliWorld} from '../support/cli-env';
import {runInPty} from '../support/pty';

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
