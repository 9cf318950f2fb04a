import {it} from 'vitest';
import {runCli} from '/work/main/test/support/cli-env';
import {createChecklistWorld} from '/work/main/test/support/checklist-e2e-world';

it('release', async () => {
	const world = await createChecklistWorld({released: false, extraEnv: {FAKE_PACKER_LEAK: '1', FAKE_PACKER_FLOOD_LINES: '50000'}, secrets: {LIBRATO_EMAIL: 's3cr3t-email,x@example.com', LIBRATO_TOKEN: 's3cr3t-token-abc', LOGSPOUT_TOKEN: 's3cr3t-logspout-xyz'}});
	const t = Date.now();
	const result = await runCli(['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'], {cwd: world.dir, env: world.env});
	console.log(Date.now() - t, result.code, result.stdout.split('\n').filter(l => !l.includes('"type":"log"')).join('\n').slice(-6000), result.stderr, result.stdout.length);
	console.log(world.dir);
	await world.close();
}, 60000);
