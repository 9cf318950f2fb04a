import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {readKeeperRecord} from '../../../source/services/packer/keeper';
import {isRunning} from '../../../source/services/packer/orphan';
import type {PackerOutputEvent} from '../../../source/services/packer/output';
import {
	followPackerBuild,
	formatPackerCommand,
	KEEPER_COMMAND,
	packerFilesOf,
	runPackerValidate,
	startPackerBuild,
	type PackerInvocation,
	type PackerSecret,
} from '../../../source/services/packer/runner';
import {SECRET_ENV_NAMES} from '../../../source/core/secrets';

const TEMPLATE = new URL('../../fixtures/packer-null/template.json', import.meta.url).pathname;
const REQUIRED = new URL('../../fixtures/packer-null/required-secrets.json', import.meta.url).pathname;
const REQUIRED_HCL2 = new URL('../../fixtures/hcl2/null/required-secrets.pkr.hcl', import.meta.url).pathname;
const SECRET = 'sup3r,secret\u00e9';
const AWS = {
	accessKeyId: 'AKIARUNNERTEST000001',
	secretAccessKey: 'runner-s3cret-access-key',
	sessionToken: 'runner-s3ssion-token',
	region: 'us-east-1',
};
const dir = mkdtempSync(join(tmpdir(), 'packer-runner-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

const SECRETS: PackerSecret[] = [
	{variable: 'librato_email', envName: 'LIBRATO_EMAIL', value: 'runner-mail@example.com'},
	{variable: 'librato_token', envName: 'LIBRATO_TOKEN', value: SECRET},
	{variable: 'logspout_token', envName: 'LOGSPOUT_TOKEN', value: 'runner-logspout-t0ken'},
];
const NEEDLES = ['sup3r', 'runner-mail', 'runner-logspout', AWS.secretAccessKey, AWS.sessionToken, AWS.accessKeyId];

function invocation(variables: Record<string, string> = {}, template = TEMPLATE): PackerInvocation {
	return {
		packer: 'packer',
		template,
		variables: {env: 'dev', ...variables},
		secrets: SECRETS,
		aws: AWS,
		// Ambient credentials and a profile that must never reach Packer.
		environment: {
			...process.env,
			AWS_PROFILE: 'other-account',
			AWS_ACCESS_KEY_ID: 'AKIAAMBIENT000000000',
			AWS_SECRET_ACCESS_KEY: 'ambient',
		},
	};
}

async function start(name: string, variables: Record<string, string> = {}, template = TEMPLATE) {
	const events: PackerOutputEvent[] = [];
	const logPath = join(dir, 'runs', `${name}.packer.log`);
	const build = await startPackerBuild({...invocation(variables, template), logPath, onEvent: event => events.push(event)});
	return {build, events, logPath};
}

const lines = (events: PackerOutputEvent[]) => events.flatMap(event => (event.type === 'line' ? [event.text] : []));

async function waitForLine(events: PackerOutputEvent[], text: string): Promise<void> {
	while (!lines(events).some(line => line.includes(text))) await new Promise(resolve => setTimeout(resolve, 20));
}

/** Every regular file under a folder, with its text. */
function everythingIn(folder: string): string {
	return readdirSync(folder, {recursive: true, withFileTypes: true})
		.filter(entry => entry.isFile())
		.map(entry => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
		.join('\n');
}

const leaks = (text: string) => NEEDLES.filter(needle => text.includes(needle));

describe('startPackerBuild with the real packer, under the keeper', () => {
	it('streams scrubbed lines live and writes the scrubbed log, output and record', async () => {
		const {build, events, logPath} = await start('success', {line_count: '3000'});
		expect(isRunning(build.packer)).toBe(true);
		expect(isRunning(build.keeper, KEEPER_COMMAND)).toBe(true);
		const result = await build.result;
		expect(result).toEqual({exitCode: 0, amiIds: {}, errors: [], cancelled: false});
		expect(lines(events)).toContain('    null: starting, env=dev');
		expect(lines(events)).toContain('    null: token=***');
		expect(lines(events)).toContain('    null: line 2999');
		expect(lines(events)).toContain('==> null: remote-stderr');
		expect(events).toContainEqual({type: 'phase', phase: 'provision', activity: expect.stringMatching(/^Running local shell script/)});
		const log = readFileSync(logPath, 'utf8');
		expect(log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ==> null: Running local shell script/m);
		expect(log).toContain('null: token=***');
		expect(log).toContain('[null] artifact 0 id Null');
		const files = packerFilesOf(logPath);
		for (const file of [logPath, files.out, files.record]) expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(readKeeperRecord(files.record)).toMatchObject({state: 'ended', exitCode: 0, packer: build.packer, keeper: build.keeper});
		expect(existsSync(files.varFileDir)).toBe(false);
		expect(leaks(JSON.stringify(events))).toEqual([]);
	});

	it('a template with required secret variables (null defaults) gets them from the var-file; Packer signs with the handed keys only', async () => {
		const {build, events} = await start('required', {}, REQUIRED);
		expect(await build.result).toMatchObject({exitCode: 0});
		expect(lines(events)).toContain('    null: env=dev token=*** logspout=*** key=*** profile=none');
	});

	it.each([
		['an HCL2 template, .pkrvars.hcl and .json var files', REQUIRED_HCL2, ['first.pkrvars.hcl', 'second.json']],
		['a JSON template, JSON var files', REQUIRED, ['first.json', 'second.json']],
	])("the config's var files reach Packer in order, before the variables: %s", async (_name, template, names) => {
		const [first, second] = names.map(name => join(dir, name)) as [string, string];
		writeFileSync(first, first.endsWith('.hcl') ? 'env     = "from-first"\nversion = "1"\n' : '{"env": "from-first", "version": "1"}');
		writeFileSync(second, '{"env": "from-second"}');
		const fromFiles = async (varFiles: string[], variables: Record<string, string>) => {
			const events: PackerOutputEvent[] = [];
			const logPath = join(dir, 'runs', `var-files-${varFiles.length}-${Object.keys(variables).length}.packer.log`);
			const build = await startPackerBuild({...invocation(), variables, varFiles, template, logPath, onEvent: event => events.push(event)});
			expect(await build.result).toMatchObject({exitCode: 0});
			return lines(events).find(line => /null(\.secrets)?: env=/.test(line));
		};
		expect(await fromFiles([first], {})).toContain('env=from-first ');
		expect(await fromFiles([first, second], {})).toContain('env=from-second ');
		expect(await fromFiles([first, second], {env: 'dev'})).toContain('env=dev ');
	});

	it("a secret set in the config's var file is scrubbed from Packer's output, log and files like the build's own", async () => {
		const varFile = join(dir, 'secret.pkrvars.hcl');
		writeFileSync(varFile, 'librato_token = "file-s3cret-token"\n');
		const logPath = join(dir, 'runs', 'var-file-secret.packer.log');
		const events: PackerOutputEvent[] = [];
		const build = await startPackerBuild({
			...invocation({}, REQUIRED_HCL2),
			secrets: SECRETS.filter(secret => secret.variable !== 'librato_token'),
			varFiles: [varFile],
			varFileSecrets: ['file-s3cret-token'],
			logPath,
			onEvent: event => events.push(event),
		});
		expect(await build.result).toMatchObject({exitCode: 0});
		expect(lines(events)).toContain('    null.secrets: env=dev token=*** logspout=*** key=*** profile=none');
		expect(everythingIn(join(dir, 'runs'))).not.toContain('file-s3cret');
	});

	it("while it builds, no secret is on Packer's or the keeper's command line nor in any file; the var-file is an empty named pipe at most", async () => {
		const {build, events, logPath} = await start('proc', {sleep_seconds: '3'}, REQUIRED);
		await waitForLine(events, 'starting long step');
		const cmdlines = [build.packer.pid, build.keeper.pid].map(pid => readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
		expect(cmdlines[0]).toContain('-var-file=');
		expect(leaks(cmdlines.join('\n'))).toEqual([]);
		expect(leaks(everythingIn(dir))).toEqual([]);
		expect(existsSync(packerFilesOf(logPath).varFileDir)).toBe(false);
		await build.result;
	});

	it('reports a provisioner failure with its exit code and Packer error line', async () => {
		const {build, logPath} = await start('failure', {exit_code: '3'});
		const result = await build.result;
		expect(result.exitCode).toBe(1);
		expect(result.errors).toEqual(['Script exited with non-zero exit status: 3.Allowed exit codes are: [0]']);
		expect(readFileSync(logPath, 'utf8')).toMatch(/Z error-count 1$/m);
	});

	it('cancels cleanly with SIGINT to the process group; the keeper survives it and records the end', async () => {
		const {build, events, logPath} = await start('cancel', {sleep_seconds: '30'});
		await waitForLine(events, 'starting long step');
		const startedAt = Date.now();
		build.cancel();
		const result = await build.result;
		expect(Date.now() - startedAt).toBeLessThan(10_000);
		expect(result.cancelled).toBe(true);
		expect(result.exitCode).toBe(1);
		expect(lines(events)).toContain('Cleanly cancelled builds after being interrupted.');
		expect(readKeeperRecord(packerFilesOf(logPath).record)).toMatchObject({state: 'ended', exitCode: 1, cancelled: true});
	});

	it('kills the whole group when forced', async () => {
		const {build, events} = await start('kill', {sleep_seconds: '30'});
		await waitForLine(events, 'starting long step');
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
		const build = await startPackerBuild({
			...invocation(),
			packer: stray,
			logPath: join(dir, 'runs', 'stray.packer.log'),
			onEvent: event => events.push(event),
		});
		const result = await build.result;
		process.kill(-build.packer.pid, 'SIGKILL');
		expect(Date.now() - startedAt).toBeLessThan(6000);
		expect(result.exitCode).toBe(0);
		expect(events).toContainEqual({type: 'line', level: 'say', text: '==> null: Running local shell script: x'});
	});

	it('rejects with ENOENT when the packer binary does not exist', async () => {
		await expect(
			startPackerBuild({...invocation(), packer: join(dir, 'no-packer'), logPath: join(dir, 'runs', 'missing.packer.log')}),
		).rejects.toMatchObject({code: 'ENOENT'});
	});

	it('the keeper keeps Packer building and logging after its starter is killed; a follower reads the whole attempt', async () => {
		const logPath = join(dir, 'runs', 'orphan.packer.log');
		const starter = spawn(
			process.execPath,
			['--import', 'tsx', new URL('../../support/build-orphan-cli.ts', import.meta.url).pathname, 'packer', TEMPLATE, logPath],
			{
				env: {...process.env, PACKER_NULL_SLEEP: '2', BUILD_ORPHAN_MARKER: 'starting long step'},
				stdio: ['ignore', 'pipe', 'inherit'],
			},
		);
		const [line] = (await new Promise(resolve => starter.stdout.once('data', chunk => resolve([chunk])))) as [Buffer];
		const packer = JSON.parse(line.toString()) as {pid: number; startedAt: string};
		starter.kill('SIGKILL');
		expect(isRunning(packer)).toBe(true);
		const events: PackerOutputEvent[] = [];
		const followed = await followPackerBuild({
			files: packerFilesOf(logPath),
			secrets: [],
			fromEnd: true,
			onEvent: event => events.push(event),
		});
		expect(followed).toMatchObject({exitCode: 0, amiIds: {}, errors: [], cancelled: false});
		expect(lines(events).some(text => text.startsWith("Build 'null' finished after"))).toBe(true);
		expect(readFileSync(logPath, 'utf8')).toMatch(/Build 'null' finished after/);
		expect(isRunning(packer)).toBe(false);
	}, 20_000);

	it('a keeper that cannot write the output file still reads Packer to its end, records why, and the build breaks off', async () => {
		const logPath = join(dir, 'runs', 'unwritable.packer.log');
		mkdirSync(packerFilesOf(logPath).out, {recursive: true});
		const build = await startPackerBuild({...invocation(), logPath});
		await expect(build.result).rejects.toThrow(/^Could not write .*unwritable\.packer\.out: EISDIR/);
		expect(readKeeperRecord(packerFilesOf(logPath).record)).toMatchObject({state: 'ended', exitCode: 0});
		expect(readFileSync(logPath, 'utf8')).toMatch(/Build 'null' finished after/);
	});

	it('no secret value reached any file it wrote', () => {
		expect(leaks(everythingIn(dir))).toEqual([]);
	});
});

describe('runPackerValidate', () => {
	it('validates with the real variables, the var-file and the environment, and scrubs its output', async () => {
		const varFileDir = join(dir, 'validate.vars');
		expect(await runPackerValidate({...invocation(), varFileDir})).toEqual({exitCode: 0, lines: []});
		expect(await runPackerValidate({...invocation({}, REQUIRED), varFileDir})).toEqual({exitCode: 0, lines: []});
		expect(existsSync(varFileDir)).toBe(false);
		const broken = await runPackerValidate({...invocation(), template: join(dir, 'missing-sup3r,secret\u00e9.json'), varFileDir});
		expect(broken.exitCode).toBe(1);
		expect(broken.lines.join('\n')).toContain('missing-***.json');
	});

	it('without the secrets a template with required variables is refused, as Packer does', async () => {
		const refused = await runPackerValidate({...invocation({}, REQUIRED), secrets: [], varFileDir: join(dir, 'none.vars')});
		expect(refused.exitCode).toBe(1);
		expect(refused.lines.join('\n')).toContain('required variable not set: librato_email');
	});
});

describe('formatPackerCommand', () => {
	it('shows the exact command line with secrets and keys masked and quoted for a shell', () => {
		const text = formatPackerCommand('build', {...invocation({version: "it's"}), template: '/t/packer.json'});
		expect(text).toBe(
			"CHECKPOINT_DISABLE=1 LIBRATO_EMAIL=*** LIBRATO_TOKEN=*** LOGSPOUT_TOKEN=*** AWS_ACCESS_KEY_ID=*** AWS_SECRET_ACCESS_KEY=*** AWS_SESSION_TOKEN=*** AWS_REGION=us-east-1 packer build -machine-readable -color=false -var env=dev -var 'version=it'\\''s' -var-file=… /t/packer.json",
		);
	});

	it("masks, and scrubs from the command line, exactly the environment variables the run's scrubber is built from", () => {
		const text = formatPackerCommand('build', {...invocation({note: `${SECRET}/${AWS.sessionToken}`}), template: '/t/packer.json'});
		expect(text).toContain(
			` ${SECRET_ENV_NAMES.filter(name => !/^(SUMOLOGIC_|GITHUB_TOKEN$|AWS_CONTAINER_AUTHORIZATION_TOKEN$)/.test(name))
				.map(name => `${name}=***`)
				.join(' ')} AWS_REGION=`,
		);
		expect(text).toContain("'note=***/***'");
		const withoutToken = formatPackerCommand('build', {
			...invocation(),
			aws: {...AWS, sessionToken: undefined},
			template: '/t/packer.json',
		});
		expect(withoutToken).not.toContain('AWS_SESSION_TOKEN');
	});
});
