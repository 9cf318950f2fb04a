import {mkdtemp, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {loadConfig, parseConfig} from '../../source/config/load-config';
import {problemsOf} from './config-problems';

const valid = {
	region: 'us-east-1',
	accounts: {dev: {profile: 'convox-dev', accountId: '111111111111', stackName: 'convox-dev'}},
};

describe('config', () => {
	it('accepts the sample config shipped in the repository', async () => {
		const loaded = await loadConfig('convox-ami.config.sample.json');
		expect(Object.keys(loaded.config.accounts)).toEqual(['dev', 'prod']);
		expect(loaded.config.accounts.prod?.production).toBe(true);
		expect(loaded.config.accounts.dev?.production).toBe(false);
	});

	it('names every problem with its path', () => {
		const message = problemsOf({accounts: {dev: {accountId: '1234', stackName: 'x'}, prod: {accountId: '222222222222'}}});
		expect(message).toContain('accounts.dev.accountId: expected 12 digits');
		expect(message).toContain('accounts.prod.stackName');
	});

	it('refuses unknown keys instead of ignoring them', () => {
		expect(problemsOf({...valid, regoin: 'eu-west-1'})).toContain('(top level): unknown key "regoin"');
		expect(problemsOf({...valid, accounts: {dev: {...valid.accounts.dev, prodution: true}}})).toContain(
			'accounts.dev: unknown key "prodution"',
		);
	});

	it('takes build instance types per architecture, and refuses an unknown architecture', () => {
		expect(parseConfig({...valid, buildInstanceTypes: {arm64: 'c7g.large'}}, 'test.json').buildInstanceTypes).toEqual({arm64: 'c7g.large'});
		expect(problemsOf({...valid, buildInstanceTypes: {aarch64: 'c7g.large'}})).toContain('buildInstanceTypes: unknown key "aarch64"');
		expect(problemsOf({...valid, buildInstanceTypes: {x86_64: ''}})).toContain('buildInstanceTypes.x86_64');
	});

	it('takes Packer var files for all accounts and per account, .pkrvars.hcl or .json only', () => {
		const config = parseConfig(
			{...valid, varFiles: ['vars/all.json'], accounts: {dev: {...valid.accounts.dev, varFiles: ['vars/dev.pkrvars.hcl']}}},
			'test.json',
		);
		expect([config.varFiles, config.accounts.dev?.varFiles]).toEqual([['vars/all.json'], ['vars/dev.pkrvars.hcl']]);
		expect(problemsOf({...valid, varFiles: ['vars/dev.tfvars']})).toContain('varFiles[0]: expected a .pkrvars.hcl or .json var file');
		expect(problemsOf({...valid, accounts: {dev: {...valid.accounts.dev, varFiles: 'vars/dev.json'}}})).toContain('accounts.dev.varFiles');
	});

	it('validates custom checklist items', () => {
		const message = problemsOf({
			...valid,
			accounts: {dev: {...valid.accounts.dev, checks: [{kind: 'http', id: 'api', title: 'API', url: 'not a url'}]}},
		});
		expect(message).toContain('accounts.dev.checks[0].url');
	});

	it('reports a missing file, bad JSON and the folder relative paths resolve from', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-config-'));
		await expect(loadConfig('missing.json', dir)).rejects.toThrow(/No config at .*missing\.json/);
		await writeFile(path.join(dir, 'broken.json'), '{"region": ');
		await expect(loadConfig('broken.json', dir)).rejects.toThrow(/not valid JSON/);
		await writeFile(path.join(dir, 'ok.json'), JSON.stringify(valid));
		const loaded = await loadConfig('ok.json', dir);
		expect(loaded.dir).toBe(dir);
		expect(loaded.config.binaries).toEqual({});
	});
});
