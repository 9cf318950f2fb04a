import {chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';

const packerDir = fileURLToPath(new URL('../../packer/', import.meta.url));
const script = path.join(packerDir, 'scripts', 'provision.sh');
const SECRETS = {LIBRATO_EMAIL: 'ops"metrics@example.com', LIBRATO_TOKEN: 'librato-0123456789abcdef', LOGSPOUT_TOKEN: 'logspout-fedcba9876543210'};
const TOOLS = ['sed', 'grep', 'chown', 'chmod', 'mv', 'mkdir', 'cp'];

let sandbox: string;
let root: string;
let bin: string;

// Records each call as one line in calls.log; `initctl version` answers as Amazon Linux 1's upstart.
const FAKE = `#!/bin/sh
echo "\${0##*/} $*" >>"$FAKE_CALLS"
if [ "\${0##*/}" = initctl ] && [ "$1" = version ]; then echo 'init (upstart 0.6.5)'; fi
`;

beforeEach(async () => {
	sandbox = await mkdtemp(path.join(tmpdir(), 'convox-ami-provision-'));
	root = path.join(sandbox, 'root');
	bin = path.join(sandbox, 'bin');
	await mkdir(bin);
	await mkdir(path.join(root, 'etc'), {recursive: true});
	await mkdir(path.join(root, 'usr', 'lib64', 'collectd'), {recursive: true});
	await writeFile(path.join(root, 'usr', 'lib64', 'collectd', 'write_http.so'), '');
	await writeFile(path.join(root, 'etc', 'collectd.conf'), 'LoadPlugin cpu\n');
	for (const tool of TOOLS) await symlink((await execa('sh', ['-c', `command -v ${tool}`])).stdout, path.join(bin, tool));
	for (const fake of ['yum', 'systemctl', 'chkconfig']) {
		await writeFile(path.join(bin, fake), FAKE);
		await chmod(path.join(bin, fake), 0o755);
	}
});

afterEach(async () => {
	await rm(sandbox, {recursive: true, force: true});
});

async function withInitctl() {
	await writeFile(path.join(bin, 'initctl'), FAKE);
	await chmod(path.join(bin, 'initctl'), 0o755);
}

const provision = (env: Record<string, string> = SECRETS) =>
	execa('/bin/sh', [script], {
		extendEnv: false,
		env: {
			PATH: bin,
			CONVOX_AMI_FILES: path.join(packerDir, 'convox-ami'),
			CONVOX_AMI_ROOT: root,
			CONVOX_AMI_OWNER: `${process.getuid!()}:${process.getgid!()}`,
			CONVOX_AMI_ENV: 'dev',
			CONVOX_AMI_VERSION: 'dev-20261125010203',
			CONVOX_VERSION: '20160916121812',
			FAKE_CALLS: path.join(sandbox, 'calls.log'),
			...env,
		},
		reject: false,
		all: true,
	});

const calls = async () => (await readFile(path.join(sandbox, 'calls.log'), 'utf8')).trim().split('\n');
const mode = async (file: string) => ((await stat(path.join(root, file))).mode & 0o777).toString(8);
const read = (file: string) => readFile(path.join(root, file), 'utf8');

describe('provision.sh', () => {
	it('on a systemd base installs the tools, collectd to Librato (left to the first boot to start), root-only secrets and settings, and the first-boot unit', async () => {
		await mkdir(path.join(root, 'run', 'systemd', 'system'), {recursive: true});
		const result = await provision();
		expect(result.all).not.toContain('provision: neither');
		expect(result.exitCode).toBe(0);

		expect(await calls()).toEqual([
			'yum install -y awscli jq curl',
			'yum install -y collectd',
			'yum install -y collectd-write_http',
			'systemctl daemon-reload',
			'systemctl enable convox-ami-first-boot.service',
			'systemctl disable collectd',
		]);
		expect(await read('etc/collectd.d/librato.conf')).toBe(
			[
				'LoadPlugin write_http',
				'<Plugin write_http>',
				'\t<URL "https://collectd.librato.com/v1/measurements">',
				'\t\tUser "ops\\"metrics@example.com"',
				'\t\tPassword "librato-0123456789abcdef"',
				'\t\tFormat "JSON"',
				'\t\tBufferSize 8192',
				'\t</URL>',
				'</Plugin>',
				'',
			].join('\n'),
		);
		expect(await mode('etc/collectd.d/librato.conf')).toBe('600');
		expect(await read('etc/convox-ami/logspout-token')).toBe('logspout-fedcba9876543210\n');
		expect(await mode('etc/convox-ami/logspout-token')).toBe('600');
		expect(await read('etc/convox-ami/first-boot.env')).toBe('CONVOX_AMI_ENV=dev\nLOGSPOUT_TASK_DEFINITION=logspout-dev\n');
		expect(await mode('etc/convox-ami/first-boot.env')).toBe('600');
		expect(await read('etc/convox-ami/release')).toBe('CONVOX_AMI_ENV=dev\nCONVOX_AMI_VERSION=dev-20261125010203\nCONVOX_VERSION=20160916121812\n');
		expect(await read('etc/collectd.conf')).toBe('LoadPlugin cpu\n\nInclude "/etc/collectd.d"\n');
		expect(await read('usr/local/sbin/convox-ami-first-boot')).toBe(await readFile(path.join(packerDir, 'convox-ami', 'convox-ami-first-boot.sh'), 'utf8'));
		expect(await mode('usr/local/sbin/convox-ami-first-boot')).toBe('755');
		expect(await read('etc/systemd/system/convox-ami-first-boot.service')).toContain('ExecStart=/usr/local/sbin/convox-ami-first-boot');
		expect(await mode('etc/systemd/system/convox-ami-first-boot.service')).toBe('644');
	});

	it('never puts a secret on a command line or in its output, and includes collectd.d once when run twice', async () => {
		await mkdir(path.join(root, 'run', 'systemd', 'system'), {recursive: true});
		const first = await provision();
		const second = await provision();
		expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
		const recorded = (await calls()).join('\n');
		for (const secret of Object.values(SECRETS)) {
			expect(recorded).not.toContain(secret);
			expect(first.all).not.toContain(secret);
		}
		expect((await read('etc/collectd.conf')).match(/Include "\/etc\/collectd\.d"/g)).toHaveLength(1);
	});

	it('on an upstart base (Amazon Linux 1) installs the upstart job and leaves collectd off with chkconfig', async () => {
		await mkdir(path.join(root, 'etc', 'init'), {recursive: true});
		await withInitctl();
		const result = await provision();
		expect(result.exitCode).toBe(0);
		expect(await calls()).toEqual(expect.arrayContaining(['initctl version', 'chkconfig collectd off']));
		expect((await calls()).filter(call => call.startsWith('systemctl'))).toEqual([]);
		expect(await read('etc/init/convox-ami-first-boot.conf')).toContain('start on started ecs');
		expect(await mode('etc/init/convox-ami-first-boot.conf')).toBe('644');
	});

	it('fails without an init system it knows, or without the secrets', async () => {
		const noInit = await provision();
		expect(noInit.exitCode).toBe(1);
		expect(noInit.all).toContain('neither systemd nor upstart runs this base image');

		const noToken = await provision({LIBRATO_EMAIL: SECRETS.LIBRATO_EMAIL, LOGSPOUT_TOKEN: SECRETS.LOGSPOUT_TOKEN});
		expect(noToken.exitCode).not.toBe(0);
		expect(noToken.all).toContain('LIBRATO_TOKEN is required');
	});

	it('bakes a task definition given at build time instead of logspout-<env>', async () => {
		await mkdir(path.join(root, 'run', 'systemd', 'system'), {recursive: true});
		const result = await provision({...SECRETS, LOGSPOUT_TASK_DEFINITION: 'logspout-shared:4'});
		expect(result.exitCode).toBe(0);
		expect(await read('etc/convox-ami/first-boot.env')).toBe('CONVOX_AMI_ENV=dev\nLOGSPOUT_TASK_DEFINITION=logspout-shared:4\n');
	});

	it('refuses an env or a task definition that would not survive the settings file, before touching the image', async () => {
		await mkdir(path.join(root, 'run', 'systemd', 'system'), {recursive: true});
		const badEnv = await provision({...SECRETS, CONVOX_AMI_ENV: 'dev prod'});
		expect(badEnv.exitCode).toBe(1);
		expect(badEnv.all).toContain("CONVOX_AMI_ENV must be lowercase letters, digits and hyphens, not 'dev prod'");
		const noEnv = await provision({...SECRETS, CONVOX_AMI_ENV: ''});
		expect(noEnv.exitCode).toBe(1);
		expect(noEnv.all).toContain("CONVOX_AMI_ENV must be lowercase letters, digits and hyphens, not ''");
		const badFamily = await provision({...SECRETS, LOGSPOUT_TASK_DEFINITION: 'logspout;reboot'});
		expect(badFamily.exitCode).toBe(1);
		expect(badFamily.all).toContain("LOGSPOUT_TASK_DEFINITION must be a task definition family, family:revision or ARN, not 'logspout;reboot'");
		expect(existsSync(path.join(sandbox, 'calls.log'))).toBe(false);
	});

	it('fails when collectd has no write_http plugin', async () => {
		await mkdir(path.join(root, 'run', 'systemd', 'system'), {recursive: true});
		await rm(path.join(root, 'usr', 'lib64', 'collectd', 'write_http.so'));
		const result = await provision();
		expect(result.exitCode).toBe(1);
		expect(result.all).toContain('the collectd write_http plugin is missing');
	});
});
