import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {bundledPackages, thirdPartyNotices} from '../../scripts/third-party-notices.mjs';

const root = new URL('../..', import.meta.url).pathname;

function section(notices: string, name: string): string {
	const start = notices.search(new RegExp(`^## ${name.replace(/[/.]/g, '\\$&')} `, 'm'));
	expect(start, `no section for ${name}`).toBeGreaterThan(-1);
	const end = notices.indexOf('\n## ', start + 1);
	return notices.slice(start, end === -1 ? undefined : end);
}

function fakePackage(folder: string, dir: string, manifest: Record<string, unknown>, files: Record<string, string> = {}) {
	mkdirSync(path.join(folder, dir), {recursive: true});
	writeFileSync(path.join(folder, dir, 'package.json'), JSON.stringify(manifest));
	writeFileSync(path.join(folder, dir, 'index.js'), '');
	for (const [name, text] of Object.entries(files)) writeFileSync(path.join(folder, dir, name), text);
}

describe('the third-party notice of the bundle', () => {
	it('ships in dist with every bundled package, its version, licence and licence text (npm run build first)', () => {
		const notices = readFileSync(path.join(root, 'dist', 'THIRD_PARTY_NOTICES.md'), 'utf8');
		for (const name of ['ink', 'react', 'react-reconciler', 'yoga-layout', 'execa', 'zod']) {
			const version = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
			expect(notices).toContain(`| ${name} | ${version} | MIT |`);
			expect(section(notices, name)).toContain('Permission is hereby granted, free of charge');
		}
		for (const name of [
			'@aws-sdk/client-cloudformation',
			'@aws-sdk/client-ec2',
			'@aws-sdk/client-sts',
			'@aws-sdk/client-ssm',
			'@smithy/core',
		]) {
			expect(notices).toMatch(new RegExp(`^\\| ${name} \\| [\\d.]+ \\| Apache-2.0 \\|$`, 'm'));
			expect(section(notices, name)).toContain('Apache License');
			expect(section(notices, name)).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
		}
		const listed = [...notices.matchAll(/^\| (\S+) \| (\S+) \| (.+) \|$/gm)].filter(row => row[1] !== 'package' && row[1] !== '---');
		expect(listed.length).toBeGreaterThan(50);
		for (const [, name] of listed)
			expect(section(notices, name!)).toMatch(/```text\n\s*\S|its licence text is the one of \S+ \S+ in this file/);
		expect(notices).not.toContain('| convox-ami |');
	});

	it('takes each package of the inputs once, with its licence and notice files, the innermost node_modules first', () => {
		const folder = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-notices-'));
		fakePackage(
			folder,
			'node_modules/left-pad',
			{name: 'left-pad', version: '1.3.0', license: 'WTFPL'},
			{LICENSE: 'left-pad licence text'},
		);
		fakePackage(
			folder,
			'node_modules/@scope/one',
			{name: '@scope/one', version: '2.0.0', license: 'Apache-2.0', repository: {url: 'git+https://github.com/scope/one.git'}},
			{'LICENSE.md': 'Apache text', NOTICE: 'notice of one'},
		);
		fakePackage(folder, 'node_modules/@scope/two', {name: '@scope/two', version: '2.1.0', license: 'Apache-2.0'});
		fakePackage(
			folder,
			'node_modules/left-pad/node_modules/inner',
			{name: 'inner', version: '0.1.0', license: {type: 'ISC'}},
			{'license.txt': 'inner licence'},
		);
		const metafile = {
			inputs: {
				'node_modules/left-pad/index.js': {},
				'node_modules/left-pad/lib/pad.js': {},
				'node_modules/@scope/one/index.js': {},
				'node_modules/@scope/two/index.js': {},
				'node_modules/left-pad/node_modules/inner/index.js': {},
				'source/app.ts': {},
			},
		};
		const packages = bundledPackages(metafile, folder);
		expect(packages.map(pkg => [pkg.name, pkg.version, pkg.licence])).toEqual([
			['@scope/one', '2.0.0', 'Apache-2.0'],
			['@scope/two', '2.1.0', 'Apache-2.0'],
			['inner', '0.1.0', 'ISC'],
			['left-pad', '1.3.0', 'WTFPL'],
		]);
		const notices = thirdPartyNotices(metafile, folder, 'the tool');
		expect(notices).toContain('the tool bundles code from the 4 packages below');
		expect(section(notices, '@scope/one')).toContain('https://github.com/scope/one');
		expect(section(notices, '@scope/one')).toContain('Apache text');
		expect(section(notices, '@scope/one')).toContain('notice of one');
		expect(section(notices, '@scope/two')).toContain('its licence text is the one of @scope/one 2.0.0 in this file');
		expect(section(notices, 'inner')).toContain('inner licence');
	});

	it('stops the build when a bundled package ships no licence text and none is known', () => {
		const folder = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-notices-'));
		fakePackage(folder, 'node_modules/bare', {name: 'bare', version: '1.0.0', license: 'MIT'});
		expect(() => bundledPackages({inputs: {'node_modules/bare/index.js': {}}}, folder)).toThrow(
			/bare@1\.0\.0 \(MIT\) is bundled but ships no licence file: add its upstream licence text/,
		);
	});
});
