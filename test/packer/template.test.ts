import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {BUILD_SECRETS} from '../../source/core/secrets';
import {DUMMY_BUILD_SECRETS} from '../support/dummy-secrets';

const packerDir = fileURLToPath(new URL('../../packer/', import.meta.url));
const templatePath = path.join(packerDir, 'packer.json');
const hasSystemdAnalyze = (await execa('sh', ['-c', 'command -v systemd-analyze'], {reject: false})).exitCode === 0;

const sampleVars = {
	region: 'us-east-1',
	env: 'dev',
	version: 'dev-20261125010203',
	convox_version: '20160916121812',
	run_id: '20261125-010203-abcd',
};

/** The secrets reach Packer through its environment, never its command line. */

const validate = (vars: Record<string, string>) =>
	execa('packer', ['validate', ...Object.entries(vars).flatMap(([key, value]) => ['-var', `${key}=${value}`]), templatePath], {
		env: {CHECKPOINT_DISABLE: '1', ...DUMMY_BUILD_SECRETS},
		reject: false,
		all: true,
	});

async function shellScripts(folder: string): Promise<string[]> {
	const entries = await readdir(folder, {withFileTypes: true, recursive: true});
	const scripts: string[] = [];
	for (const entry of entries) {
		if (!entry.isFile()) continue;
		const file = path.join(entry.parentPath, entry.name);
		const head = (await readFile(file, 'utf8')).split('\n', 1)[0]!;
		if (entry.name.endsWith('.sh') || /^#!.*\b(ba|da)?sh\b/.test(head)) scripts.push(file);
	}
	return scripts;
}

describe('packer/packer.json', () => {
	it('passes packer validate with sample variables', async () => {
		const result = await validate(sampleVars);
		expect(result.all).not.toMatch(/error/i);
		expect(result.exitCode).toBe(0);
	});

	it('requires every variable the build passes, except source_ami (the base AMI), logspout_task_definition (logspout-<env>) and metrics_backend (cloudwatch)', async () => {
		const result = await validate({});
		expect(result.exitCode).toBe(1);
		for (const name of Object.keys(sampleVars)) expect(result.all).toContain(`required variable not set: ${name}`);
		expect(result.all).not.toContain('source_ami');
		expect(result.all).not.toContain('logspout_task_definition');
		expect(result.all).not.toContain('metrics_backend');
	});

	it('reads each secret of the build from its environment variable, so they never stand on a command line', async () => {
		const template = JSON.parse(await readFile(templatePath, 'utf8'));
		expect(template.variables).toMatchObject({
			librato_email: '{{env `LIBRATO_EMAIL`}}',
			librato_token: '{{env `LIBRATO_TOKEN`}}',
			logspout_token: '{{env `LOGSPOUT_TOKEN`}}',
		});
		const provision = template.provisioners.find((provisioner: {script?: string}) => provisioner.script?.endsWith('provision.sh'));
		for (const {variable, envName} of BUILD_SECRETS) {
			expect(template.variables[variable]).toBe(`{{env \`${envName}\`}}`);
			expect(provision.environment_vars).toContain(`${envName}={{user \`${variable}\`}}`);
		}
	});

	it('accepts a logspout task definition override and hands it to provisioning', async () => {
		const result = await validate({...sampleVars, logspout_task_definition: 'logspout-shared'});
		expect(result.exitCode).toBe(0);
		const template = JSON.parse(await readFile(templatePath, 'utf8'));
		const provision = template.provisioners.find((provisioner: {script?: string}) => provisioner.script?.endsWith('provision.sh'));
		expect(provision.environment_vars).toContain('LOGSPOUT_TASK_DEFINITION={{user `logspout_task_definition`}}');
		expect(provision.environment_vars).toContain('CONVOX_AMI_ENV={{user `env`}}');
	});

	it('ships metrics through the CloudWatch agent unless told librato, and hands the backend to provisioning', async () => {
		const template = JSON.parse(await readFile(templatePath, 'utf8'));
		expect(template.variables.metrics_backend).toBe('cloudwatch');
		const provision = template.provisioners.find((provisioner: {script?: string}) => provisioner.script?.endsWith('provision.sh'));
		expect(provision.environment_vars).toContain('METRICS_BACKEND={{user `metrics_backend`}}');
		expect(template['sensitive-variables']).not.toContain('metrics_backend');
		const librato = await validate({...sampleVars, metrics_backend: 'librato'});
		expect(librato.all).not.toMatch(/error/i);
		expect(librato.exitCode).toBe(0);
	});

	it('builds on a t3.large unless told another instance type (an arm64 one for an arm64 base)', async () => {
		const template = JSON.parse(await readFile(templatePath, 'utf8'));
		expect(template.variables.instance_type).toBe('t3.large');
		expect(template.builders[0].instance_type).toBe('{{user `instance_type`}}');
		const graviton = await validate({...sampleVars, instance_type: 't4g.large'});
		expect(graviton.all).not.toMatch(/error/i);
		expect(graviton.exitCode).toBe(0);
	});

	it('builds a private, encrypted, tagged AMI with the secrets marked sensitive', async () => {
		const template = JSON.parse(await readFile(templatePath, 'utf8'));
		expect(template.variables.source_ami).toMatch(/^ami-[0-9a-f]{8,17}$/);
		expect(template['sensitive-variables'].sort()).toEqual(BUILD_SECRETS.map(secret => secret.variable).sort());
		const [builder] = template.builders;
		expect(builder.type).toBe('amazon-ebs');
		expect(builder.ami_users).toBeUndefined();
		expect(builder.ami_groups).toBeUndefined();
		expect(builder.ami_name).toMatch(/\{\{user `env`\}\}.*\{\{user `version`\}\}.*\{\{timestamp\}\}/);
		expect(builder.launch_block_device_mappings).toContainEqual(expect.objectContaining({device_name: '/dev/xvda', encrypted: true}));
		expect(builder.tags).toMatchObject({
			Env: '{{user `env`}}',
			Version: '{{user `version`}}',
			ConvoxVersion: '{{user `convox_version`}}',
			SourceAmi: '{{user `source_ami`}}',
			ReleaseRun: '{{user `run_id`}}',
		});
	});

	it('keeps secrets off remote command lines: they reach the provisioner through an env file', async () => {
		const template = JSON.parse(await readFile(templatePath, 'utf8'));
		for (const provisioner of template.provisioners) {
			const vars: string[] = provisioner.environment_vars ?? [];
			if (!vars.some(entry => /librato_token|logspout_token/.test(entry))) continue;
			expect(provisioner.use_env_var_file).toBe(true);
			expect(provisioner.execute_command).not.toContain('{{.Vars}}');
		}
	});
});

describe('the first-boot job', () => {
	it('is run by the systemd unit and the upstart job from where provision.sh installs it, with its settings, at every boot (the script keeps its markers)', async () => {
		const firstBoot = await readFile(path.join(packerDir, 'convox-ami/convox-ami-first-boot.sh'), 'utf8');
		const unit = await readFile(path.join(packerDir, 'convox-ami/convox-ami-first-boot.service'), 'utf8');
		const job = await readFile(path.join(packerDir, 'convox-ami/convox-ami-first-boot.conf'), 'utf8');
		expect(firstBoot).toContain('state_dir=${CONVOX_AMI_STATE_DIR:-/var/lib/convox-ami}');
		expect(firstBoot).toContain('marker="$state_dir/logspout-started"');
		expect(unit).toContain('ExecStart=/usr/local/sbin/convox-ami-first-boot');
		// A path condition would skip an instance whose image carries another instance's marker.
		expect(unit).not.toContain('ConditionPathExists');
		expect(unit).toMatch(/^EnvironmentFile=\/etc\/convox-ami\/first-boot\.env$/m);
		expect(job).toMatch(/^start on started ecs$/m);
		expect(job).not.toMatch(/^task$/m);
		expect(job).toMatch(/^console output$/m);
		expect(job).toMatch(/^\t\. \/etc\/convox-ami\/first-boot\.env$/m);
		expect(job).toMatch(/^\tuntil \/usr\/local\/sbin\/convox-ami-first-boot; do$/m);
	});

	it('starts after UserData (cloud-final), docker and the ECS agent, without holding up boot or cfn-signal, and restarts on failure', async () => {
		const unit = await readFile(path.join(packerDir, 'convox-ami/convox-ami-first-boot.service'), 'utf8');
		const values = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.+)$`, 'gm'))].flatMap(match => match[1]!.split(/\s+/));
		expect(values('After')).toEqual(
			expect.arrayContaining(['cloud-final.service', 'docker.service', 'ecs.service', 'network-online.target']),
		);
		expect(values('Wants')).toEqual(expect.arrayContaining(['docker.service', 'ecs.service']));
		// Requires= or BindsTo= would stop the job when UserData restarts docker or the agent.
		expect(values('Requires')).toEqual([]);
		expect(values('BindsTo')).toEqual([]);
		// Nothing that cloud-final (which sends cfn-signal) runs before may wait for this unit.
		expect(values('Before')).toEqual([]);
		expect(values('Type')).toEqual(['simple']);
		expect(values('Restart')).toEqual(['on-failure']);
		expect(values('RestartSec')).toEqual(['30s']);
		expect(values('WantedBy')).toEqual(['multi-user.target']);
	});

	it.skipIf(!hasSystemdAnalyze)('is a unit systemd accepts without a warning', async () => {
		const folder = await mkdtemp(path.join(tmpdir(), 'convox-ami-unit-'));
		try {
			const unit = await readFile(path.join(packerDir, 'convox-ami/convox-ami-first-boot.service'), 'utf8');
			// verify checks that ExecStart's binary exists here; the unit's own path is asserted above.
			await writeFile(path.join(folder, 'convox-ami-first-boot.service'), unit.replace(/^ExecStart=.*$/m, 'ExecStart=/bin/true'));
			const result = await execa('systemd-analyze', ['verify', path.join(folder, 'convox-ami-first-boot.service')], {
				reject: false,
				all: true,
			});
			expect(result.all).toBe('');
			expect(result.exitCode).toBe(0);
		} finally {
			await rm(folder, {recursive: true, force: true});
		}
	});
});

describe('shell scripts in packer/', () => {
	it('pass shellcheck', async () => {
		const scripts = await shellScripts(packerDir);
		expect(scripts.map(file => path.relative(packerDir, file)).sort()).toEqual([
			'convox-ami/convox-ami-first-boot.sh',
			'scripts/cleanup.sh',
			'scripts/provision.sh',
		]);
		const result = await execa('shellcheck', ['--external-sources', ...scripts], {reject: false, all: true});
		expect(result.all).toBe('');
		expect(result.exitCode).toBe(0);
	});
});
