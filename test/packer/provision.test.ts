import {copyFile, mkdtemp, readdir, readFile, readlink, rm, stat} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {buildHost, SECRETS, TYPES_DB, type AmazonLinux, type BuildHost} from '../support/amazon-linux-build-host.js';

const packerDir = fileURLToPath(new URL('../../packer/', import.meta.url));
const EPEL7_RELEASE = 'https://dl.fedoraproject.org/pub/epel/epel-release-latest-7.noarch.rpm';
const SYSTEMD_INSTALL = ['systemctl daemon-reload', 'systemctl enable convox-ami-first-boot.service', 'systemctl disable collectd'];
const ENABLE_AGENT = 'systemctl enable amazon-cloudwatch-agent';
const AGENT_CONFIG = 'opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json';
const LIBRATO = {...SECRETS, METRICS_BACKEND: 'librato'};
const LIBRATO_WARNING =
	'convox-ami provision: warning: Librato reached its end of service on 2026-01-31 and may no longer take these metrics. To move to CloudWatch, build with metrics_backend=cloudwatch (the default; Amazon Linux 2 or 2023 bases) and allow the instance role cloudwatch:PutMetricData';

let sandbox: string;

beforeEach(async () => {
	sandbox = await mkdtemp(path.join(tmpdir(), 'convox-ami-provision-'));
});

afterEach(async () => {
	await rm(sandbox, {recursive: true, force: true});
});

const mode = async (host: BuildHost, file: string) => ((await stat(path.join(host.root, file))).mode & 0o777).toString(8);
const read = (host: BuildHost, file: string) => readFile(path.join(host.root, file), 'utf8');

/** What every release and backend ends up with: root-only secrets and settings, collectd.d included after the base's cpu plugin, the first-boot script. */
async function expectProvisioned(host: BuildHost) {
	expect(await read(host, 'etc/convox-ami/logspout-token')).toBe('logspout-fedcba9876543210\n');
	expect(await mode(host, 'etc/convox-ami/logspout-token')).toBe('600');
	expect(await read(host, 'etc/convox-ami/first-boot.env')).toBe('CONVOX_AMI_ENV=dev\nLOGSPOUT_TASK_DEFINITION=logspout-dev\n');
	expect(await mode(host, 'etc/convox-ami/first-boot.env')).toBe('600');
	expect(await read(host, 'etc/convox-ami/release')).toBe(
		'CONVOX_AMI_ENV=dev\nCONVOX_AMI_VERSION=dev-20261125010203\nCONVOX_VERSION=20160916121812\n',
	);
	expect(await read(host, 'etc/collectd.conf')).toBe('LoadPlugin cpu\n\nInclude "/etc/collectd.d"\n');
	expect(await read(host, 'usr/local/sbin/convox-ami-first-boot')).toBe(
		await readFile(path.join(packerDir, 'convox-ami', 'convox-ami-first-boot.sh'), 'utf8'),
	);
	expect(await mode(host, 'usr/local/sbin/convox-ami-first-boot')).toBe('755');
}

/** collectd to Librato with write_http, its secrets root-only; nothing of the CloudWatch agent. */
async function expectLibrato(host: BuildHost) {
	await expectProvisioned(host);
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
	expect(existsSync(path.join(host.root, 'etc/collectd.d/cloudwatch.conf'))).toBe(false);
	expect(existsSync(path.join(host.root, AGENT_CONFIG))).toBe(false);
}

/** collectd to the local CloudWatch agent over its network plugin, and the agent's config: no secret, nothing of one instance. */
async function expectCloudWatch(host: BuildHost) {
	await expectProvisioned(host);
	expect(await read(host, 'etc/collectd.d/cloudwatch.conf')).toBe(
		['LoadPlugin network', '<Plugin network>', '\tServer "127.0.0.1" "25826"', '</Plugin>', ''].join('\n'),
	);
	expect(await mode(host, 'etc/collectd.d/cloudwatch.conf')).toBe('644');
	expect(existsSync(path.join(host.root, 'etc/collectd.d/librato.conf'))).toBe(false);
	expect(JSON.parse(await read(host, AGENT_CONFIG))).toEqual({
		metrics: {
			namespace: 'CWAgent',
			append_dimensions: {InstanceId: '${aws:InstanceId}'},
			metrics_collected: {
				collectd: {
					service_address: 'udp://127.0.0.1:25826',
					collectd_security_level: 'none',
					collectd_typesdb: ['/usr/share/collectd/types.db'],
					metrics_aggregation_interval: 60,
				},
			},
		},
	});
	expect(await mode(host, AGENT_CONFIG)).toBe('644');
	expect(existsSync(path.join(host.root, TYPES_DB))).toBe(true);
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
		const result = await host.provision(LIBRATO);
		expect(result.all).toContain('convox-ami provision: Amazon Linux 1 (2018.03): upstart, yum');
		expect(result.exitCode).toBe(0);

		expect(await host.calls()).toEqual([
			'initctl version',
			'yum install -y aws-cli jq',
			'yum install -y collectd',
			'chkconfig collectd off',
		]);
		await expectLibrato(host);
		expect(await read(host, 'etc/init/convox-ami-first-boot.conf')).toBe(
			await readFile(path.join(packerDir, 'convox-ami', 'convox-ami-first-boot.conf'), 'utf8'),
		);
		expect(await mode(host, 'etc/init/convox-ami-first-boot.conf')).toBe('644');
		expect(existsSync(path.join(host.root, 'etc/systemd'))).toBe(false);
	});

	it('warns that Librato reached its end of service, and how to move to CloudWatch', async () => {
		const host = await buildHost(sandbox, 'al1');
		const result = await host.provision(LIBRATO);
		expect(result.exitCode).toBe(0);
		expect(result.stderr.split('\n')).toContain(LIBRATO_WARNING);
	});

	it('refuses CloudWatch, the default, before touching the image: the agent needs systemd', async () => {
		const host = await buildHost(sandbox, 'al1');
		const result = await host.provision();
		expect(result.exitCode).toBe(1);
		expect(result.stderr).toContain(
			'Amazon Linux 1 cannot ship metrics to CloudWatch: the CloudWatch agent needs systemd (Amazon Linux 2 or 2023). Build with metrics_backend=librato, or move the rack to a Convox version with an Amazon Linux 2023 base',
		);
		expect(await host.calls()).toEqual([]);
		expect(existsSync(path.join(host.root, 'etc/collectd.d'))).toBe(false);
	});

	it('takes collectd and its write_http plugin from the disabled EPEL repository when amzn-main has none', async () => {
		const host = await buildHost(sandbox, 'al1', {without: ['yum/collectd']});
		const result = await host.provision(LIBRATO);
		expect(result.exitCode).toBe(0);
		expect(await host.calls()).toEqual([
			'initctl version',
			'yum install -y aws-cli jq',
			'yum install -y collectd',
			'yum install -y --enablerepo=epel collectd',
			'yum install -y --enablerepo=epel collectd-write_http',
			'chkconfig collectd off',
		]);
		await expectLibrato(host);
	});

	it('recognises a 2016-era base by /etc/system-release when it has no /etc/os-release', async () => {
		const host = await buildHost(sandbox, 'al1', {osRelease: null});
		await copyFile(
			fileURLToPath(new URL('../fixtures/os-release/amzn-2016.09.system-release', import.meta.url)),
			path.join(host.root, 'etc/system-release'),
		);
		const result = await host.provision(LIBRATO);
		expect(result.all).toContain('Amazon Linux 1 (2016.09): upstart, yum');
		expect(result.exitCode).toBe(0);
		expect(await read(host, 'etc/init/convox-ami-first-boot.conf')).toContain('start on started ecs');
	});

	it('refuses a base where upstart does not answer, naming what is wrong', async () => {
		const host = await buildHost(sandbox, 'al1', {missing: ['initctl']});
		const result = await host.provision(LIBRATO);
		expect(result.exitCode).toBe(1);
		expect(result.all).toContain(
			'Amazon Linux 1 runs upstart, but initctl does not answer as upstart here: cannot install the first-boot job',
		);
		expect(await host.calls()).toEqual([]);
	});
});

describe('provision.sh on Amazon Linux 2 (systemd, yum)', () => {
	it('installs the AWS CLI, jq and the CloudWatch agent with yum, collectd from amazon-linux-extras, the agent enabled and the systemd unit', async () => {
		const host = await buildHost(sandbox, 'al2');
		const result = await host.provision();
		expect(result.all).toContain('convox-ami provision: Amazon Linux 2 (2): systemd, yum');
		expect(result.exitCode).toBe(0);
		expect(result.all).not.toContain('Librato');

		expect(await host.calls()).toEqual([
			'yum install -y awscli jq',
			'amazon-linux-extras install -y collectd',
			'yum install -y amazon-cloudwatch-agent',
			ENABLE_AGENT,
			...SYSTEMD_INSTALL,
		]);
		await expectCloudWatch(host);
		await expectSystemdUnit(host);
	});

	it('ships to Librato with write_http when told, warning that Librato reached its end of service', async () => {
		const host = await buildHost(sandbox, 'al2');
		const result = await host.provision(LIBRATO);
		expect(result.exitCode).toBe(0);
		expect(result.stderr.split('\n')).toContain(LIBRATO_WARNING);
		expect(await host.calls()).toEqual(['yum install -y awscli jq', 'amazon-linux-extras install -y collectd', ...SYSTEMD_INSTALL]);
		await expectLibrato(host);
		await expectSystemdUnit(host);
	});

	it('falls back to EPEL 7 through amazon-linux-extras when it has no collectd topic', async () => {
		const host = await buildHost(sandbox, 'al2', {without: ['amazon-linux-extras/collectd']});
		const result = await host.provision();
		expect(result.all).toContain('amazon-linux-extras could not install collectd: installing it from EPEL 7');
		expect(result.exitCode).toBe(0);
		expect(await host.calls()).toEqual([
			'yum install -y awscli jq',
			'amazon-linux-extras install -y collectd',
			'amazon-linux-extras install -y epel',
			'yum install -y collectd',
			'yum install -y amazon-cloudwatch-agent',
			ENABLE_AGENT,
			...SYSTEMD_INSTALL,
		]);
		await expectCloudWatch(host);
	});

	it('with Librato, takes write_http from EPEL too when collectd came from there', async () => {
		const host = await buildHost(sandbox, 'al2', {without: ['amazon-linux-extras/collectd']});
		const result = await host.provision(LIBRATO);
		expect(result.exitCode).toBe(0);
		expect(await host.calls()).toEqual([
			'yum install -y awscli jq',
			'amazon-linux-extras install -y collectd',
			'amazon-linux-extras install -y epel',
			'yum install -y collectd',
			'yum install -y collectd-write_http',
			...SYSTEMD_INSTALL,
		]);
		await expectLibrato(host);
	});

	it('installs the noarch EPEL 7 release package when amazon-linux-extras is missing', async () => {
		const host = await buildHost(sandbox, 'al2', {missing: ['amazon-linux-extras']});
		const result = await host.provision(LIBRATO);
		expect(result.exitCode).toBe(0);
		expect(await host.calls()).toEqual([
			'yum install -y awscli jq',
			`yum install -y ${EPEL7_RELEASE}`,
			'yum install -y collectd',
			'yum install -y collectd-write_http',
			...SYSTEMD_INSTALL,
		]);
		await expectLibrato(host);
	});

	it('refuses to run where systemd does not (a container), before installing anything', async () => {
		const host = await buildHost(sandbox, 'al2', {systemd: false});
		const result = await host.provision();
		expect(result.exitCode).toBe(1);
		expect(result.all).toContain(
			'Amazon Linux 2 runs systemd, but systemd is not running here (/run/systemd/system is missing): cannot install the first-boot unit',
		);
		expect(await host.calls()).toEqual([]);
	});
});

describe('provision.sh on Amazon Linux 2023 (systemd, dnf)', () => {
	it('installs awscli-2, jq, collectd and the CloudWatch agent with dnf, the agent enabled and the systemd unit; never yum, amazon-linux-extras or cron', async () => {
		const host = await buildHost(sandbox, 'al2023');
		const result = await host.provision();
		expect(result.all).toContain('convox-ami provision: Amazon Linux 2023 (2023): systemd, dnf');
		expect(result.exitCode).toBe(0);

		expect(await host.calls()).toEqual([
			'dnf install -y awscli-2 jq',
			'dnf install -y collectd',
			'dnf install -y amazon-cloudwatch-agent',
			ENABLE_AGENT,
			...SYSTEMD_INSTALL,
		]);
		await expectCloudWatch(host);
		await expectSystemdUnit(host);
		expect((await readdir(path.join(host.root, 'etc'))).filter(name => /cron/.test(name))).toEqual([]);
	});

	it('ships to Librato with collectd-write_http from dnf when told, warning that Librato reached its end of service', async () => {
		const host = await buildHost(sandbox, 'al2023');
		const result = await host.provision(LIBRATO);
		expect(result.exitCode).toBe(0);
		expect(result.stderr.split('\n')).toContain(LIBRATO_WARNING);
		expect(await host.calls()).toEqual([
			'dnf install -y awscli-2 jq',
			'dnf install -y collectd',
			'dnf install -y collectd-write_http',
			...SYSTEMD_INSTALL,
		]);
		await expectLibrato(host);
	});

	it('links /usr/share/collectd/types.db to the one collectd installed elsewhere, for the agent', async () => {
		const host = await buildHost(sandbox, 'al2023', {typesDb: 'usr/lib64/collectd/types.db'});
		const result = await host.provision();
		expect(result.exitCode).toBe(0);
		expect(result.all).toContain('linking /usr/share/collectd/types.db to /usr/lib64/collectd/types.db');
		expect(await readlink(path.join(host.root, TYPES_DB))).toBe('/usr/lib64/collectd/types.db');
	});

	it('fails, naming the file, when collectd installed no types.db at all', async () => {
		const host = await buildHost(sandbox, 'al2023', {typesDb: null});
		const result = await host.provision();
		expect(result.exitCode).toBe(1);
		expect(result.all).toContain(
			'collectd installed no types.db: the CloudWatch agent does not start without /usr/share/collectd/types.db',
		);
		expect(existsSync(path.join(host.root, AGENT_CONFIG))).toBe(false);
	});

	it('fails when its repositories have no collectd, without trying amazon-linux-extras or yum even where they are on the path', async () => {
		const host = await buildHost(sandbox, 'al2023', {without: ['dnf/collectd'], extra: ['amazon-linux-extras']});
		const result = await host.provision();
		expect(result.exitCode).toBe(1);
		expect(result.all).toContain('collectd is not available from the repositories of this Amazon Linux 2023 base image');
		expect(await host.calls()).toEqual(['dnf install -y awscli-2 jq', 'dnf install -y collectd']);
	});

	it('fails when its repositories have no CloudWatch agent', async () => {
		const host = await buildHost(sandbox, 'al2023', {without: ['dnf/amazon-cloudwatch-agent']});
		const result = await host.provision();
		expect(result.exitCode).toBe(1);
		expect(result.all).toContain('amazon-cloudwatch-agent is not available from the repositories of this Amazon Linux 2023 base image');
		expect(await host.calls()).not.toContain(ENABLE_AGENT);
	});

	it('fails, naming the package, when no write_http plugin can be installed for Librato', async () => {
		const host = await buildHost(sandbox, 'al2023', {without: ['dnf/collectd-write_http']});
		const result = await host.provision(LIBRATO);
		expect(result.exitCode).toBe(1);
		expect(result.all).toContain(
			'the collectd write_http plugin is missing: neither collectd nor a collectd-write_http package from dnf installed write_http.so',
		);
		expect(existsSync(path.join(host.root, 'etc/collectd.d/librato.conf'))).toBe(false);
	});
});

describe.each<[AmazonLinux, string]>([
	['al1', 'librato'],
	['al2', 'cloudwatch'],
	['al2', 'librato'],
	['al2023', 'cloudwatch'],
	['al2023', 'librato'],
])('provision.sh on %s with %s', (release, backend) => {
	it('never puts a secret on a command line or in its output, and includes collectd.d once when run twice', async () => {
		const host = await buildHost(sandbox, release);
		const first = await host.provision({...SECRETS, METRICS_BACKEND: backend});
		const second = await host.provision({...SECRETS, METRICS_BACKEND: backend});
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
		const result = await host.provision({...SECRETS, METRICS_BACKEND: backend, LOGSPOUT_TASK_DEFINITION: 'logspout-shared:4'});
		expect(result.exitCode).toBe(0);
		expect(await read(host, 'etc/convox-ami/first-boot.env')).toBe('CONVOX_AMI_ENV=dev\nLOGSPOUT_TASK_DEFINITION=logspout-shared:4\n');
	});
});

describe('provision.sh refuses', () => {
	it('a base that is not Amazon Linux 1, 2 or 2023, or that it cannot identify, before touching it', async () => {
		const ubuntu = await buildHost(sandbox, 'al2', {osRelease: 'ubuntu-22.04'});
		const refused = await ubuntu.provision();
		expect(refused.exitCode).toBe(1);
		expect(refused.all).toContain(
			'unsupported base image: /etc/os-release says ID=ubuntu VERSION_ID=22.04; convox-ami provisions Amazon Linux 1 (YYYY.MM), 2 and 2023 (ECS-optimized) bases',
		);
		expect(await ubuntu.calls()).toEqual([]);

		const unknown = await buildHost(sandbox, 'al2023', {osRelease: null});
		const unidentified = await unknown.provision();
		expect(unidentified.exitCode).toBe(1);
		expect(unidentified.all).toContain('cannot tell which OS this base image runs: /etc/os-release is missing');
		expect(await unknown.calls()).toEqual([]);
	});

	it('to run without the secrets its backend needs; CloudWatch needs none of Librato', async () => {
		const host = await buildHost(sandbox, 'al2023');
		const noToken = await host.provision({
			LIBRATO_EMAIL: SECRETS.LIBRATO_EMAIL,
			LOGSPOUT_TOKEN: SECRETS.LOGSPOUT_TOKEN,
			METRICS_BACKEND: 'librato',
		});
		expect(noToken.exitCode).not.toBe(0);
		expect(noToken.all).toContain('LIBRATO_TOKEN is required with METRICS_BACKEND=librato');
		const noLogspout = await host.provision({});
		expect(noLogspout.exitCode).not.toBe(0);
		expect(noLogspout.all).toContain('LOGSPOUT_TOKEN is required');
		expect(await host.calls()).toEqual([]);

		const cloudwatch = await host.provision({LOGSPOUT_TOKEN: SECRETS.LOGSPOUT_TOKEN});
		expect(cloudwatch.exitCode).toBe(0);
		await expectCloudWatch(host);
	});

	it('a metrics backend it does not know, before touching the image', async () => {
		const host = await buildHost(sandbox, 'al2023');
		const result = await host.provision({...SECRETS, METRICS_BACKEND: 'datadog'});
		expect(result.exitCode).toBe(1);
		expect(result.stderr).toContain("METRICS_BACKEND must be cloudwatch or librato, not 'datadog'");
		expect(await host.calls()).toEqual([]);
	});

	it('an env or a task definition that would not survive the settings file, before touching the image', async () => {
		const host = await buildHost(sandbox, 'al1');
		const badEnv = await host.provision({...LIBRATO, CONVOX_AMI_ENV: 'dev prod'});
		expect(badEnv.exitCode).toBe(1);
		expect(badEnv.all).toContain("CONVOX_AMI_ENV must be lowercase letters, digits and hyphens, not 'dev prod'");
		const noEnv = await host.provision({...LIBRATO, CONVOX_AMI_ENV: ''});
		expect(noEnv.exitCode).toBe(1);
		expect(noEnv.all).toContain("CONVOX_AMI_ENV must be lowercase letters, digits and hyphens, not ''");
		const badFamily = await host.provision({...LIBRATO, LOGSPOUT_TASK_DEFINITION: 'logspout;reboot'});
		expect(badFamily.exitCode).toBe(1);
		expect(badFamily.all).toContain(
			"LOGSPOUT_TASK_DEFINITION must be a task definition family, family:revision or ARN, not 'logspout;reboot'",
		);
		expect(await host.calls()).toEqual([]);
	});
});

describe('provisioning is architecture-neutral', () => {
	it('names no CPU architecture in what it installs or downloads, so arm64 (Graviton) bases provision as x86_64 ones do', async () => {
		for (const file of [
			'scripts/provision.sh',
			'convox-ami/convox-ami-first-boot.sh',
			'convox-ami/convox-ami-first-boot.service',
			'convox-ami/convox-ami-first-boot.conf',
		]) {
			const text = await readFile(path.join(packerDir, file), 'utf8');
			expect(text, file).not.toMatch(/x86_64|amd64|aarch64|arm64|i[36]86|\.x86|uname -m/);
		}
	});
});
