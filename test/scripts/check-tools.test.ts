import {chmod, mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';

const script = new URL('../../scripts/check-tools.mjs', import.meta.url).pathname;
const ALL = ['packer', 'shellcheck', 'jq', 'curl', 'flock', 'git'];

/** A PATH of stand-ins: each tool a script that exits 0 unless given a body (packer answers its version), apt-get one that records its calls. */
async function fakeMachine(tools: string[], osRelease: string, bodies: Record<string, string> = {}) {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-check-tools-'));
	const bin = path.join(dir, 'bin');
	const tool = async (name: string, body = 'exit 0') => {
		await writeFile(path.join(bin, name), `#!/bin/sh\n${body}\n`);
		await chmod(path.join(bin, name), 0o755);
	};
	await mkdir(bin);
	for (const name of tools) await tool(name, bodies[name] ?? (name === 'packer' ? 'echo "Packer v1.6.6"' : undefined));
	// apt-get install makes the stand-ins of what it is asked for (packages named as their tools here).
	await tool(
		'apt-get',
		[
			`echo "$DEBIAN_FRONTEND $*" >> '${dir}/apt-get.log'`,
			'[ "$1" = install ] || exit 0',
			'for name in "$@"; do case "$name" in -*|install) ;; *)',
			`  printf '#!/bin/sh\\necho "Packer v1.6.6"\\n' > '${bin}'/"$name"; /bin/chmod 755 '${bin}'/"$name";;`,
			'esac; done',
		].join('\n'),
	);
	await writeFile(path.join(dir, 'os-release'), osRelease);
	const run = (root: boolean) =>
		execa(process.execPath, [script], {
			reject: false,
			env: {PATH: bin, CHECK_TOOLS_ROOT: root ? '1' : '0', CHECK_TOOLS_OS_RELEASE: path.join(dir, 'os-release')},
			extendEnv: false,
		});
	const aptCalls = () => readFile(path.join(dir, 'apt-get.log'), 'utf8').catch(() => '');
	return {run, aptCalls};
}

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n';
const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n';

describe('scripts/check-tools.mjs (npm pretest)', () => {
	it('prints one line with the Packer version when every tool is there', async () => {
		const machine = await fakeMachine(ALL, DEBIAN);
		const result = await machine.run(false);
		expect(result.exitCode, result.stderr).toBe(0);
		expect(result.stdout).toBe('check-tools: packer 1.6.6, shellcheck, jq, curl, flock, git, /usr/bin/time: all here');
		expect(await machine.aptCalls()).toBe('');
	});

	it('not as root, stops at once naming the apt-get command for what is missing', async () => {
		const machine = await fakeMachine(['curl', 'flock', 'git'], UBUNTU);
		const result = await machine.run(false);
		expect(result.exitCode).toBe(1);
		expect(result.stderr).toContain('npm test needs packer, shellcheck, jq, not found on PATH');
		expect(result.stderr).toContain('sudo apt-get update && sudo apt-get install -y packer shellcheck jq');
		expect(await machine.aptCalls()).toBe('');
	});

	it('names dnf on Fedora, with HashiCorp repository for Packer and Fedora package names', async () => {
		const machine = await fakeMachine(['jq', 'curl', 'flock', 'git'], 'NAME="Fedora Linux"\nID=fedora\n');
		const result = await machine.run(true);
		expect(result.exitCode).toBe(1);
		expect(result.stderr).toContain('https://rpm.releases.hashicorp.com/fedora/hashicorp.repo && sudo dnf install -y packer ShellCheck');
		expect(await machine.aptCalls()).toBe('');
	});

	it('takes the packer of another program (cracklib) for a missing Packer', async () => {
		const machine = await fakeMachine(ALL, DEBIAN, {packer: 'echo "Usage: packer dictionary"; exit 1'});
		const result = await machine.run(false);
		expect(result.exitCode).toBe(1);
		expect(result.stderr).toContain('npm test needs packer,');
	});

	it('as root on Debian, installs what is missing with apt-get, non-interactively, then passes', async () => {
		const machine = await fakeMachine(['packer', 'curl', 'flock', 'git'], DEBIAN);
		const result = await machine.run(true);
		expect(result.exitCode, result.stderr).toBe(0);
		expect(result.stdout).toContain('check-tools: installing shellcheck jq for npm test');
		expect(result.stdout).toContain('check-tools: packer 1.6.6,');
		expect(await machine.aptCalls()).toBe('noninteractive update -qq\nnoninteractive install -y -qq shellcheck jq\n');
	});
});
