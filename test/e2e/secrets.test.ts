import {PROMPT_READY} from '../support/ink-prompt';
import {readdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {runCli, type AwsKeys} from '../support/cli-env';
import {createChecklistWorld, type ChecklistWorld, type Secrets} from '../support/checklist-e2e-world';
import {runInPty} from '../support/pty';

let world: ChecklistWorld | undefined;
afterEach(async () => {
	await world?.close();
	world = undefined;
});

// Distinctive values; commas make Packer 1.6.6 print them escaped as %!(PACKER_COMMA).
const SECRETS: Secrets = {
	LIBRATO_EMAIL: 's3cr3t-email-7Kq2,x9@ops.example',
	LIBRATO_TOKEN: 's3cr3t-token-Vb81,Zp04Yt77',
	LOGSPOUT_TOKEN: 's3cr3t-logspout-Hx55Wd',
};
const AWS_KEYS: AwsKeys = {accessKeyId: 'AKIAS3CR3TE2E0000009', secretAccessKey: 's3cr3t-aws-secret-Qm73LkPp0'};

/** Every form in which a secret could show up: raw, as Packer escapes it, as JSON escapes it, and each comma-separated part. */
function needles(): string[] {
	const values = [...Object.values(SECRETS), AWS_KEYS.accessKeyId, AWS_KEYS.secretAccessKey];
	const forms = values.flatMap(value => [
		value,
		value.replaceAll(',', '%!(PACKER_COMMA)'),
		JSON.stringify(value).slice(1, -1),
		...value.split(',').filter((part: string) => part.length >= 6),
	]);
	const basicAuth = Buffer.from(`${SECRETS.LIBRATO_EMAIL}:${SECRETS.LIBRATO_TOKEN}`).toString('base64');
	return [...new Set([...forms, basicAuth, 's3cr3t', 'S3CR3T'])];
}

function findSecrets(where: string, text: string): string[] {
	return needles()
		.filter(needle => text.includes(needle))
		.map(needle => `${where}: ${needle}`);
}

/** Every file under a folder, with its text. */
async function filesUnder(dir: string): Promise<Array<{file: string; text: string}>> {
	const entries = await readdir(dir, {recursive: true, withFileTypes: true});
	const files = entries.filter(entry => entry.isFile()).map(entry => path.join(entry.parentPath, entry.name));
	return Promise.all(files.map(async file => ({file: path.relative(dir, file), text: await readFile(file, 'utf8')})));
}

async function leakedWorld(extraEnv: NodeJS.ProcessEnv = {}): Promise<ChecklistWorld> {
	return createChecklistWorld({
		released: false,
		secrets: SECRETS,
		awsKeys: AWS_KEYS,
		extraEnv: {FAKE_PACKER_LEAK: '1', FAKE_PACKER_FLOOD_LINES: '200', ...extraEnv},
	});
}

/** Searches the state dir; checks that the run's files are there and that Packer's leak reached the log, masked. */
async function stateDirHits(stateDir: string): Promise<string[]> {
	const files = await filesUnder(stateDir);
	const names = files.map(({file}) => file);
	expect(names.some(name => /^runs\/[^/]+\.json$/.test(name))).toBe(true);
	expect(names.some(name => name.endsWith('.packer.log'))).toBe(true);
	expect(names.some(name => name.endsWith('.report.md'))).toBe(true);
	const log = files.find(({file}) => file.endsWith('.packer.log'))!.text;
	expect(log).toContain('librato_email=***, librato_token=***');
	expect(log).toContain('ROUTE_TOKEN=***');
	expect(log).toContain('LIBRATO_TOKEN=*** LOGSPOUT_TOKEN=*** ');
	return files.flatMap(({file, text}) => findSecrets(`STATE_DIR/${file}`, text));
}

describe('no secret reaches a file, stdout or the screen, while Packer leaks them in clear', () => {
	it('--json: a whole release', async () => {
		world = await leakedWorld();
		const result = await runCli(['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'], {cwd: world.dir, env: world.env});
		expect(result.code, result.stderr).toBe(0);
		const logged = result.events.filter(event => event.type === 'log').map(event => String(event.line));
		expect(logged).toContain('    amazon-ebs: librato_email=***, librato_token=***');
		expect(result.events.find(event => event.type === 'check' && event.id === 'metrics' && event.status === 'pass')).toBeDefined();
		expect([
			...findSecrets('stdout', result.stdout),
			...findSecrets('stderr', result.stderr),
			...(await stateDirHits(world.stateDir)),
		]).toEqual([]);
	});

	it('plain lines: a whole release', async () => {
		world = await leakedWorld();
		const result = await runCli(['release', '--env', 'dev', '--yes', '--confirm', 'sumologic'], {cwd: world.dir, env: world.env});
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toContain('librato_email=***, librato_token=***');
		expect([
			...findSecrets('stdout', result.stdout),
			...findSecrets('stderr', result.stderr),
			...(await stateDirHits(world.stateDir)),
		]).toEqual([]);
	});

	it('plain lines: a build that fails with the secret in its error lines', async () => {
		world = await leakedWorld({FAKE_PACKER_EXIT: '1'});
		const result = await runCli(['release', '--env', 'dev', '--yes', '--confirm', 'sumologic'], {cwd: world.dir, env: world.env});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('Packer build failed (exit 1)');
		expect(result.stderr).toContain('(librato_token=***)');
		expect([
			...findSecrets('stdout', result.stdout),
			...findSecrets('stderr', result.stderr),
			...(await stateDirHits(world.stateDir)),
		]).toEqual([]);
	});

	it('the Ink screen in a real terminal: a whole release', async () => {
		world = await leakedWorld({FAKE_PACKER_HOLD_MS: '1000'});
		const env = {...world.env};
		delete env.CI;
		const session = runInPty(['release', '--env', 'dev', '--confirm', 'sumologic'], {cwd: world.dir, env});
		try {
			await session.waitFor('flood 200 of 200', 30_000);
			expect(session.screen()).toContain('Provisioning with shell script');
			await session.waitFor(new RegExp(`y/N[^]*${PROMPT_READY}`), 30_000);
			session.write('y');
			expect(await session.exited, session.screen()).toBe(0);
		} finally {
			session.kill('SIGKILL');
		}
		expect(session.screen()).toContain('✔ Finished');
		expect([
			...findSecrets('pty output', session.output()),
			...findSecrets('screen', session.screen()),
			...(await stateDirHits(world.stateDir)),
		]).toEqual([]);
	});
});

describe('the rehearsal', () => {
	it('keeps its own fake secrets out of STATE_DIR (journal, Packer log, report, rehearsal state) and stdout', async () => {
		world = await createChecklistWorld({extraEnv: {CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '1', CONVOX_AMI_REHEARSAL_TICK_MS: '20'}});
		const result = await runCli(['release', '--rehearse', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'], {
			cwd: world.dir,
			env: world.env,
		});
		expect(result.code, result.stderr).toBe(0);
		const files = await filesUnder(world.stateDir);
		const names = files.map(({file}) => file);
		expect(names).toContain('rehearsal/aws.json');
		expect(names.filter(name => /^runs\/.*\.(json|packer\.log|report\.md)$/.test(name))).toHaveLength(3);
		expect(files.find(({file}) => file.endsWith('.packer.log'))?.text).toContain('LIBRATO_EMAIL=*** LIBRATO_TOKEN=***');
		const rehearsalSecrets = ['rehearsal@example.com', 'rehearsal-librato-token', 'rehearsal-logspout-token'];
		const hits = [{file: 'stdout', text: result.stdout}, {file: 'stderr', text: result.stderr}, ...files].flatMap(({file, text}) =>
			rehearsalSecrets.filter(secret => text.includes(secret)).map(secret => `${file}: ${secret}`),
		);
		expect(hits).toEqual([]);
	});
});

describe('test snapshots', () => {
	it('hold no secret value of any test', async () => {
		const root = new URL('../..', import.meta.url).pathname;
		const entries = await readdir(path.join(root, 'test'), {recursive: true, withFileTypes: true});
		const snapshots = entries
			.filter(entry => entry.isFile() && (entry.name.endsWith('.snap') || entry.parentPath.split(path.sep).includes('__snapshots__')))
			.map(entry => path.join(entry.parentPath, entry.name));
		const known = [
			'SECRETLOG',
			'rehearsal-librato-token',
			'rehearsal-logspout-token',
			'librato-0123456789abcdef',
			'logspout-fedcba9876543210',
			'lib,rato-T0KEN',
			'logspout-S3CRET',
			'token-never-shown',
			'librato-e2e-token',
			'logspout-e2e-token',
		];
		const hits: string[] = [];
		for (const file of snapshots) {
			const text = await readFile(file, 'utf8');
			hits.push(...findSecrets(file, text), ...known.filter(secret => text.includes(secret)).map(secret => `${file}: ${secret}`));
		}
		expect(hits).toEqual([]);
	});
});
