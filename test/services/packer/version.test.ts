import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, describe, expect, it} from 'vitest';
import {packerAtHand, runPackerCommand} from '../../../source/services/packer/version';
import {installedPluginsOf, versionOf} from '../../../source/services/packer/version-output';

const STAND_IN = fileURLToPath(new URL('../../fixtures/bin/packer-1.16', import.meta.url));
const plugins = mkdtempSync(path.join(tmpdir(), 'packer-plugins-'));
afterAll(() => rmSync(plugins, {recursive: true, force: true}));
const env = {...process.env, PACKER_PLUGIN_PATH: plugins};
const signal = new AbortController().signal;

describe('versionOf', () => {
	it("reads the version line of Packer 1.6.6's machine-readable answer", () => {
		const answer =
			'1796613000,,version,1.6.6\n1796613000,,version-prelease,\n1796613000,,version-commit,\n1796613000,,ui,say,Packer v1.6.6\n';
		expect(versionOf(answer)).toBe('1.6.6');
	});

	it('reads a later one (version-prerelease, version-commit) and nothing from human text', () => {
		expect(versionOf('1796613000,,version,1.16.0\n1796613000,,version-commit,3f1b2f2\n')).toBe('1.16.0');
		expect(versionOf('Packer v1.6.6\n')).toBeUndefined();
	});
});

describe('installedPluginsOf', () => {
	it('takes the source from the last three folders and the version from the binary name', () => {
		const listed = [
			'/root/.config/packer/plugins/github.com/hashicorp/amazon/packer-plugin-amazon_v1.3.9_x5.0_linux_amd64',
			'/opt/plugins/github.com/hashicorp/ansible/packer-plugin-ansible_v1.1.2_x5.0_linux_amd64',
			'',
		].join('\n');
		expect(installedPluginsOf(listed)).toEqual([
			{
				source: 'github.com/hashicorp/amazon',
				version: '1.3.9',
				binaryPath: '/root/.config/packer/plugins/github.com/hashicorp/amazon/packer-plugin-amazon_v1.3.9_x5.0_linux_amd64',
			},
			{
				source: 'github.com/hashicorp/ansible',
				version: '1.1.2',
				binaryPath: '/opt/plugins/github.com/hashicorp/ansible/packer-plugin-ansible_v1.1.2_x5.0_linux_amd64',
			},
		]);
	});
});

describe('packerAtHand', () => {
	it('the real Packer 1.6.6: its version, no plugin list (it bundles amazon-ebs)', async () => {
		expect(await packerAtHand('packer', process.env, signal)).toEqual({binary: 'packer', version: '1.6.6'});
	});

	it('Packer 1.16 (stand-in): its version and installed plugins, before and after `plugins install`', async () => {
		expect(await packerAtHand(STAND_IN, env, signal)).toEqual({binary: STAND_IN, version: '1.16.0', plugins: []});
		const installed = await runPackerCommand(STAND_IN, ['plugins', 'install', 'github.com/hashicorp/amazon'], env, signal);
		const binaryPath = path.join(plugins, 'github.com/hashicorp/amazon/packer-plugin-amazon_v1.3.9_x5.0_linux_amd64');
		expect(installed).toEqual({exitCode: 0, output: `Installed plugin github.com/hashicorp/amazon v1.3.9 in "${binaryPath}"`});
		expect(await packerAtHand(STAND_IN, env, signal)).toEqual({
			binary: STAND_IN,
			version: '1.16.0',
			plugins: [{source: 'github.com/hashicorp/amazon', version: '1.3.9', binaryPath}],
		});
	});

	it('throws when the binary does not answer with a version', async () => {
		await expect(packerAtHand('/bin/false', process.env, signal)).rejects.toThrow('did not name a version (exit 1)');
		await expect(packerAtHand(path.join(plugins, 'no-such-packer'), process.env, signal)).rejects.toThrow(/ENOENT/);
	});
});
