import {chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';

const script = fileURLToPath(new URL('../../packer/scripts/cleanup.sh', import.meta.url));

let sandbox: string;
let root: string;
let bin: string;

const FAKE = `#!/bin/sh
echo "\${0##*/} $*" >>"$FAKE_CALLS"
`;

async function place(file: string, content = '') {
	await mkdir(path.dirname(path.join(root, file)), {recursive: true});
	await writeFile(path.join(root, file), content);
}

beforeEach(async () => {
	sandbox = await mkdtemp(path.join(tmpdir(), 'convox-ami-cleanup-'));
	root = path.join(sandbox, 'root');
	bin = path.join(sandbox, 'bin');
	await mkdir(bin);
	await symlink((await execa('sh', ['-c', 'command -v rm'])).stdout, path.join(bin, 'rm'));
	await writeFile(path.join(bin, 'systemctl'), FAKE);
	await chmod(path.join(bin, 'systemctl'), 0o755);
	await mkdir(path.join(root, 'run', 'systemd', 'system'), {recursive: true});
	await place('tmp/convox-ami/convox-ami-first-boot.sh');
	await place('var/lib/convox-ami/logspout-started', 'arn task\n');
	await place('var/lib/ecs/data/ecs_agent_data.json', '{}');
	await place('var/lib/cloud/instances/i-0123456789abcdef0/sem/config_ssh');
	await place('var/lib/cloud/sem/config_scripts_per_once.once');
	await place('home/ec2-user/.ssh/authorized_keys', 'ssh-rsa AAAA packer_temporary_key\n');
	await place('etc/collectd.d/librato.conf', 'kept');
	await place('etc/collectd.d/hostname.conf', 'Hostname "aws.dev.i-0123456789abcdef0"\n');
});

afterEach(async () => {
	await rm(sandbox, {recursive: true, force: true});
});

const cleanup = () =>
	execa('/bin/sh', [script], {
		extendEnv: false,
		env: {
			PATH: bin,
			CONVOX_AMI_FILES: path.join(root, 'tmp', 'convox-ami'),
			CONVOX_AMI_ROOT: root,
			FAKE_CALLS: path.join(sandbox, 'calls.log'),
		},
		reject: false,
		all: true,
	});

describe('cleanup.sh', () => {
	it('stops the ECS agent and removes its state, the first-boot markers and collectd host name, cloud-init instance state and the build key', async () => {
		const result = await cleanup();
		expect(result.all).toBe('convox-ami cleanup: done');
		expect(result.exitCode).toBe(0);
		expect(await readFile(path.join(sandbox, 'calls.log'), 'utf8')).toBe('systemctl stop ecs\n');
		for (const gone of [
			'tmp/convox-ami',
			'var/lib/convox-ami',
			'etc/collectd.d/hostname.conf',
			'var/lib/ecs/data/ecs_agent_data.json',
			'home/ec2-user/.ssh/authorized_keys',
		]) {
			expect(existsSync(path.join(root, gone)), gone).toBe(false);
		}
		expect(await readdir(path.join(root, 'var/lib/cloud/instances'))).toEqual([]);
		expect(await readdir(path.join(root, 'var/lib/cloud/sem'))).toEqual([]);
		expect(await readFile(path.join(root, 'etc/collectd.d/librato.conf'), 'utf8')).toBe('kept');
	});

	it('uses cloud-init clean where the base has it', async () => {
		await writeFile(path.join(bin, 'cloud-init'), FAKE);
		await chmod(path.join(bin, 'cloud-init'), 0o755);
		const result = await cleanup();
		expect(result.exitCode).toBe(0);
		expect(await readFile(path.join(sandbox, 'calls.log'), 'utf8')).toBe(
			'systemctl stop ecs\ncloud-init clean --help\ncloud-init clean --logs\n',
		);
	});
});
