import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';

const root = new URL('../..', import.meta.url).pathname;

describe('the packed package', () => {
	it('installs from its tarball in another folder and runs from there', () => {
		const out = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-pack-'));
		execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', out], {cwd: root, stdio: 'pipe'});
		const tarball = readdirSync(out).find(name => name.endsWith('.tgz'));
		expect(tarball).toMatch(/^convox-ami-\d+\.\d+\.\d+\.tgz$/);
		const project = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-user-'));
		execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(out, tarball!)], {cwd: project, stdio: 'pipe'});
		const bin = path.join(project, 'node_modules', '.bin', 'convox-ami');
		const env = {PATH: process.env.PATH, HOME: project};
		expect(execFileSync(bin, ['--version'], {cwd: project, env}).toString().trim()).toMatch(/^\d+\.\d+\.\d+$/);
		expect(execFileSync(bin, ['--help'], {cwd: project, env}).toString()).toContain('convox-ami --rehearse');
		expect(existsSync(path.join(project, 'node_modules', 'convox-ami', 'packer', 'packer.json'))).toBe(true);
		expect(existsSync(path.join(project, 'node_modules', 'convox-ami', 'dist', 'THIRD_PARTY_NOTICES.md'))).toBe(true);
		expect(existsSync(path.join(project, 'node_modules', 'convox-ami', 'test'))).toBe(false);
		expect(execFileSync(bin, ['runs'], {cwd: project, env}).toString()).toContain('No runs');
	}, 120_000);
});
