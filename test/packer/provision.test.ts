import {copyFile, mkdtemp, readdir, readFile, rm, stat} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {buildHost, SECRETS, type AmazonLinux, type BuildHost} from '../support/amazon-linux-build-host.js';

const packerDir = fileURLToPath(new URL('../../packer/', import.meta.url));
const EPEL7_RELEASE = 'https://dl.fedoraproject.org/pub/epel/epel-release-latest-7.noarch.rpm';
const SYSTEMD_INSTALL = ['systemctl daemon-reload', 'systemctl enable convox-ami-first-boot.service', 'systemctl disable collectd'];

let sandbox: string;

beforeEach(async () => {
	sandbox = await mkdtemp(path.join(tmpdir(), 'convox-ami-provision-'));
});

afterEach(async () => {
	await rm(sandbox, {recursive: true, force: true});
});

const mode = async (host: BuildHost, file: string) => ((await stat(path.join(host.root, file))).mode & 0o777).toString(8);
const read = (host: BuildHost, file: string) => readFile(path.join(host.root, file), 'utf8');

/** What every release ends up with: collectd to Librato, root-only secrets and settings, the first-boot script. */
async function expectProvisioned(host: BuildHost) {
	expect(await read(host, 'etc/collectd.d/librato.conf')).toBe(
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
	expect(await mode(host, 'etc/collectd.d/librato.conf')).toBe('600');
	expect(existsSync(path.join(host.root, 'usr/lib64/collectd/write_http.so'))).toBe(true);
	expect(await read(host, 'etc/convox-ami/logspout-token')).toBe('logspout-fedcba9876543210\n');
	expect(await mode(host, 'etc/convox-ami/logspout-token')).toBe('600');
	expect(await read(host, 'etc/convox-ami/first-boot.env')).toBe('CONVOX_AMI_ENV=dev\nLOGSPOUT_TASK_DEFINITION=logspout-dev\n');
	expect(await mode(host, 'etc/convox-ami/first-boot.env')).toBe('600');
	expect(await read(host, 'etc/convox-ami/release')).toBe('CONVOX_AMI_ENV=dev\nCONVOX_AMI_VERSION=dev-20261125010203\nCONVOX_VERSION=20160916121812\n');
	expect(await read(host, 'etc/collectd.conf')).toBe('LoadPlugin cpu\n\nInclude "/etc/collectd.d"\n');
	expect(await read(host, 'usr/local/sbin/convox-ami-first-boot')).toBe(await readFile(path.join(packerDir, 'convox-ami', 'convox-ami-first-boot.sh'), 'utf8'));
	expect(await mode(host, 'usr/local/sbin/convox-ami-first-boot')).toBe('755');
}

async function expectSystemdUnit(host: BuildHost) {
	const unit = 'etc/systemd/system/convox-ami-first-boot.service';
	expect(await read(host, unit)).toBe(await readFile(path.join(packerDir, 'convox-ami', 'convox-ami-first-boot.service'), 'utf8'));
	expect(await mode(host, unit)).toBe('644');
	expect(existsSync(path.join(host.root, 'etc/init'))).toBe(false);
}

describe('provision.sh on Amazon Linux 1 (upstart, yum)', () => {
	it('installs the AWS CLI and jq, collectd from yum, the upstart job, and leaves collectd off with chkconfig', async () => {
		const host = await buildHost(sandbox, 'al1');
		const result = await host.provision();
		expect(result.all).toContain('convox-ami provision: Amazon Linux 1 (2018.03): upstart, yum');
		expect(result.exitCode).toBe(0);

		expect(await host.calls()).toEqual(['initctl version', 'yum install -y aws-cli jq', 'yum install -y collectd', 'chkconfig collectd off']);
		await expectProvisioned(host);
		expect(await read(host, 'etc/init/convox-ami-first-boot.conf')).toBe(await readFile(path.join(packerDir, 'convox-ami', 'convox-ami-first-boot.conf'), 'utf8'));
		expect(await mode(host, 'etc/init/convox-ami-first-boot.conf')).toBe('644');
		expect(existsSync(path.join(host.root, 'etc/systemd'))).toBe(false);
	});

	it('takes collectd and its write_http plugin from the disabled EPEL repository when amzn-main has none', async () => {
		const host = await buildHost(sandbox, 'al1', {without: ['yum/collectd']});
		const result = await host.provision();
		expect(result.exitCode).toBe(0);
		expect(await host.calls()).toEqual([
			'initctl version',
			'yum install -y aws-cli jq',
			'yum install -y collectd',
			'yum install -y --enablerepo=epel collectd',
			'yum install -y --enablerepo=epel collectd-write_http',
			'chkconfig collectd off',
		]);
		await expectProvisioned(host);
	});

	it('recognises a 2016-era base by /etc/system-release when it has no /etc/os-release', async () => {
		const host = await buildHost(sandbox, 'al1', {osRelease: null});
		await copyFile(fileURLToPath(new URL('../fixtures/os-release/amzn-2016.09.system-release', import.meta.url)), path.join(host.root, 'etc/system-release'));
		const result = await host.provision();
		expect(result.all).toContain('Amazon Linux 1 (2016.09): upstart, yum');
		expect(result.exitCode).toBe(0);
		expect(await read(host, 'etc/init/convox-ami-first-boot.conf')).toContain('start on started ecs');
	});

	it('refuses a base where upstart does not answer, naming what is wrong', async () => {
		const host = await buildHost(sandbox, 'al1', {missing: ['initctl']});
		const result = await host.provision();
		expect(result.exitCode).toBe(1);
		expect(result.all).toContain('Amazon Linux 1 runs upstart, but initctl does not answer as upstart here: cannot install the first-boot job');
		expect(await host.calls()).toEqual([]);
	});
});

describe('provision.sh on Amazon Linux 2 (systemd, yum)', () => {
	it('installs the AWS CLI and jq with yum, collectd from amazon-linux-extras, and the systemd unit', async () => {
		const host = await buildHost(sandbox, 'al2');
		const result = await host.provision();
		expect(result.all).toContain('convox-ami provision: Amazon Linux 2 (2): systemd, yum');
		expect(result.exitCode).toBe(0);

		expect(await host.calls()).toEqual(['yum install -y awscli jq', 'amazon-linux-extras install -y collectd', ...SYSTEMD_INSTALL]);
		await expectProvisioned(host);
		await expectSystemdUnit(host);
	});

	it('falls back to EPEL 7 through amazon-linux-extras when it has no collectd topic, with write_http from EPEL', async () => {
		const host = await buildHost(sandbox, 'al2', {without: ['amazon-linux-extras/collectd']});
		const result = await host.provision();
		expect(result.all).toContain('amazon-linux-extras could not install collectd: installing it from EPEL 7');
		expect(result.exitCode).toBe(0);
		expect(await host.calls()).toEqual([
			'yum install -y awscli jq',
			'amazon-linux-extras install -y collectd',
			'amazon-linux-extras install -y epel',
			'yum install -y collectd',
			'yum install -y collectd-write_http',
			...SYSTEMD_INSTALL,
		]);
		await expectProvisioned(host);
	});

	it('installs the noarch EPEL 7 release package when amazon-linux-extras is missing', async () => {
		const host = await buildHost(sandbox, 'al2', {missing: ['amazon-linux-extras']});
		const result = await host.provision();
		expect(result.exitCode).toBe(0);
		expect(await host.calls()).toEqual([
			'yum install -y awscli jq',
			`yum install -y ${EPEL7_RELEASE}`,
			'yum install -y collectd',
			'yum install -y collectd-write_http',
			...SYSTEMD_INSTALL,
		]);
		await expectProvisioned(host);
	});

	it('refuses to run where systemd does not (a container), before installing anything', async () => {
		const host = await buildHost(sandbox, 'al2', {systemd: false});
		const result = await host.provision();
		expect(result.exitCode).toBe(1);
		expect(result.all).toContain('Amazon Linux 2 runs systemd, but systemd is not running here (/run/systemd/system is missing): cannot install the first-boot unit');
		expect(await host.calls()).toEqual([]);
	});
});

describe('provision.sh on Amazon Linux 2023 (systemd, dnf)', () => {
	it('installs awscli-2 and jq, collectd and collectd-write_http with dnf, and the systemd unit; never yum, amazon-linux-extras or cron', async () => {
		const host = await buildHost(sandbox, 'al2023');
		const result = await host.provision();
		expect(result.all).toContain('convox-ami provision: Amazon Linux 2023 (2023): systemd, dnf');
		expect(result.exitCode).toBe(0);

		expect(await host.calls()).toEqual(['dnf install -y awscli-2 jq', 'dnf install -y collectd', 'dnf install -y collectd-write_http', ...SYSTEMD_INSTALL]);
		await expectProvisioned(host);
		await expectSystemdUnit(host);
		expect((await readdir(path.join(host.root, 'etc'))).filter(name => /cron/.test(name))).toEqual([]);
	});

	it('fails when its repositories have no collectd, without trying amazon-linux-extras or yum even where they are on the path', async () => {
		const host = await buildHost(sandbox, 'al2023', {without: ['dnf/collectd'], extra: ['amazon-linux-extras']});
		const result = await host.provision();
		expect(result.exitCode).toBe(1);
		expect(result.all).toContain('collectd is not available from the repositories of this Amazon Linux 2023 base image');
		expect(await host.calls()).toEqual(['dnf install -y awscli-2 jq', 'dnf install -y collectd']);
	});

	it('fails, naming the package, when no write_http plugin can be installed', async () => {
		const host = await buildHost(sandbox, 'al2023', {without: ['dnf/collectd-write_http']});
		const result = await host.provision();
		expect(result.exitCode).toBe(1);
		expect(result.all).toContain('the collectd write_http plugin is missing: neither collectd nor a collectd-write_http package from dnf installed write_http.so');
		expect(existsSync(path.join(host.root, 'etc/collectd.d/librato.conf'))).toBe(false);
	});
});

describe.each<AmazonLinux>(['al1', 'al2', 'al2023'])('provision.sh on %s', release => {
	it('never puts a secret on a command line or in its output, and includes collectd.d once when run twice', async () => {
		const host = await buildHost(sandbox, release);
		const first = await host.provision();
		const second = await host.provision();
		expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
		const recorded = (await host.calls()).join('\n');
		for (const secret of Object.values(SECRETS)) {
			expect(recorded).not.toContain(secret);
			expect(first.all).not.toContain(secret);
			expect(second.all).not.toContain(secret);
		}
		expect((await read(host, 'etc/collectd.conf')).match(/Include "\/etc\/collectd\.d"/g)).toHaveLength(1);
	});

	it('bakes a task definition given at build time instead of logspout-<env>', async () => {
		const host = await buildHost(sandbox, release);
		const result = await host.provision({...SECRETS, LOGSPOUT_TASK_DEFINITION: 'logspout-shared:4'});
		expect(result.exitCode).toBe(0);
		expect(await read(host, 'etc/convox-ami/first-boot.env')).toBe('CONVOX_AMI_ENV=dev\nLOGSPOUT_TASK_DEFINITION=logspout-shared:4\n');
	});
});

describe('provision.sh refuses', () => {
	it('a base that is not Amazon Linux 1, 2 or 2023, or that it cannot identify, before touching it', async () => {
		const ubuntu = await buildHost(sandbox, 'al2', {osRelease: 'ubuntu-22.04'});
		const refused = await ubuntu.provision();
		expect(refused.exitCode).toBe(1);
		expect(refused.all).toContain('unsupported base image: /etc/os-release says ID=ubuntu VERSION_ID=22.04; convox-ami provisions Amazon Linux 1 (YYYY.MM), 2 and 2023 (ECS-optimized) bases');
		expect(await ubuntu.calls()).toEqual([]);

		const unknown = await buildHost(sandbox, 'al2023', {osRelease: null});
		const unidentified = await unknown.provision();
		expect(unidentified.exitCode).toBe(1);
		expect(unidentified.all).toContain('cannot tell which OS this base image runs: /etc/os-release is missing');
		expect(await unknown.calls()).toEqual([]);
	});

	it('to run without the secrets', async () => {
		const host = await buildHost(sandbox, 'al2023');
		const noToken = await host.provision({LIBRATO_EMAIL: SECRETS.LIBRATO_EMAIL, LOGSPOUT_TOKEN: SECRETS.LOGSPOUT_TOKEN});
		expect(noToken.exitCode).not.toBe(0);
		expect(noToken.all).toContain('LIBRATO_TOKEN is required');
		expect(await host.calls()).toEqual([]);
	});

	it('an env or a task definition that would not survive the settings file, before touching the image', async () => {
		const host = await buildHost(sandbox, 'al1');
		const badEnv = await host.provision({...SECRETS, CONVOX_AMI_ENV: 'dev prod'});
		expect(badEnv.exitCode).toBe(1);
		expect(badEnv.all).toContain("CONVOX_AMI_ENV must be lowercase letters, digits and hyphens, not 'dev prod'");
		const noEnv = await host.provision({...SECRETS, CONVOX_AMI_ENV: ''});
		expect(noEnv.exitCode).toBe(1);
		expect(noEnv.all).toContain("CONVOX_AMI_ENV must be lowercase letters, digits and hyphens, not ''");
		const badFamily = await host.provision({...SECRETS, LOGSPOUT_TASK_DEFINITION: 'logspout;reboot'});
		expect(badFamily.exitCode).toBe(1);
		expect(badFamily.all).toContain("LOGSPOUT_TASK_DEFINITION must be a task definition family, family:revision or ARN, not 'logspout;reboot'");
		expect(await host.calls()).toEqual([]);
	});
});

describe('provisioning is architecture-neutral', () => {
	it('names no CPU architecture in what it installs or downloads, so arm64 (Graviton) bases provision as x86_64 ones do', async () => {
		for (const file of ['scripts/provision.sh', 'convox-ami/convox-ami-first-boot.sh', 'convox-ami/convox-ami-first-boot.service', 'convox-ami/convox-ami-first-boot.conf']) {
			const text = await readFile(path.join(packerDir, file), 'utf8');
			expect(text, file).not.toMatch(/x86_64|amd64|aarch64|arm64|i[36]86|\.x86|uname -m/);
		}
	});
});
