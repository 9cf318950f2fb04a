import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {inspectTemplate} from '../../source/services/packer-template-inspection';
import {parseTemplate, readTemplate} from '../../source/services/packer-template';
import {templateFindings} from '../../source/steps/template-findings';

const shipped = fileURLToPath(new URL('../../packer/packer.json', import.meta.url));
const operator = fileURLToPath(new URL('../fixtures/operator-template/packer.json', import.meta.url));

const findings = (body: Record<string, unknown>) => templateFindings(inspectTemplate(parseTemplate('packer.json', JSON.stringify(body))));
const amazon = (extra: Record<string, unknown> = {}) => ({type: 'amazon-ebs', ...extra});
const secrets = {librato_email: null, librato_token: null, logspout_token: null};

describe('templateFindings', () => {
	it('finds nothing to say about the shipped template', async () => {
		const result = templateFindings(inspectTemplate(await readTemplate(shipped)));
		expect(result).toMatchObject({
			undeclaredPassed: [],
			requiredNotPassed: [],
			secretsNotReceived: [],
			releaseRunTag: true,
			untagged: [],
			sharing: [],
		});
		expect(result.carriers.map(carrier => carrier.variable)).toEqual(['librato_email', 'librato_token', 'logspout_token']);
	});

	it("on an operator's template: region, convox_version and run_id are dropped, the secrets arrive, no AMI carries ReleaseRun", async () => {
		const result = templateFindings(inspectTemplate(await readTemplate(operator)));
		expect(result.declaredVariables).toEqual(['env', 'version', 'source_ami', 'librato_email', 'librato_token', 'logspout_token']);
		expect(result.undeclaredPassed).toEqual([{name: 'region'}, {name: 'convox_version'}, {name: 'run_id'}]);
		expect(result.requiredNotPassed).toEqual([]);
		expect(result.secretsNotReceived).toEqual([]);
		expect(result).toMatchObject({runIdDeclared: false, amiBuilders: ['amazon-ebs'], untagged: ['amazon-ebs'], releaseRunTag: false});
	});

	it('says which declared name a dropped variable was probably meant to be', () => {
		const result = findings({
			variables: {sourceami: null, region: null, env: null, version: null, convox_verison: '', run_id: '', ...secrets},
			builders: [amazon()],
		});
		expect(result.undeclaredPassed).toEqual([
			{name: 'source_ami', didYouMean: 'sourceami'},
			{name: 'convox_version', didYouMean: 'convox_verison'},
		]);
		expect(result.requiredNotPassed).toEqual([{name: 'sourceami', didYouMean: 'source_ami'}]);
	});

	it('suggests nothing for short names a letter apart, nor for unrelated ones', () => {
		const result = findings({variables: {envs: '', vpc: null}, builders: [amazon()]});
		expect(result.undeclaredPassed.find(check => check.name === 'env')).toEqual({name: 'env'});
		expect(result.undeclaredPassed.find(check => check.name === 'region')).toEqual({name: 'region'});
		expect(result.requiredNotPassed).toEqual([{name: 'vpc'}]);
	});

	it('counts a secret as received under another name when a variable reads its environment variable, and missing when nothing does', () => {
		const result = findings({variables: {email: '{{env `LIBRATO_EMAIL`}}', librato_token: null}, builders: [amazon()]});
		expect(result.carriers.map(({secret, variable}) => [secret.envName, variable])).toEqual([
			['LIBRATO_EMAIL', 'email'],
			['LIBRATO_TOKEN', 'librato_token'],
		]);
		expect(result.secretsNotReceived.map(secret => secret.variable)).toEqual(['logspout_token']);
		expect(result.undeclaredPassed.map(check => check.name)).toEqual([
			'source_ami',
			'region',
			'env',
			'version',
			'convox_version',
			'run_id',
		]);
	});

	it('without a variables block every passed variable and every secret the metrics backend needs is missing', () => {
		const result = findings({builders: [amazon()]});
		expect(result.declaredVariables).toEqual([]);
		expect(result.undeclaredPassed).toHaveLength(6);
		expect(result.secretsNotReceived.map(secret => secret.envName)).toEqual(['LOGSPOUT_TOKEN']);
		const librato = templateFindings(inspectTemplate(parseTemplate('packer.json', JSON.stringify({builders: [amazon()]}))), 'librato');
		expect(librato.secretsNotReceived.map(secret => secret.envName)).toEqual(['LIBRATO_EMAIL', 'LIBRATO_TOKEN', 'LOGSPOUT_TOKEN']);
	});

	it('wants the ReleaseRun tag on every AMI builder and the run_id variable declared', () => {
		const tag = {ReleaseRun: '{{user `run_id`}}'};
		expect(findings({variables: {run_id: ''}, builders: [amazon({name: 'a', tags: tag}), amazon({name: 'b'})]})).toMatchObject({
			untagged: ['b'],
			releaseRunTag: false,
		});
		expect(findings({builders: [amazon({tags: tag})]})).toMatchObject({runIdDeclared: false, untagged: [], releaseRunTag: false});
		expect(
			findings({variables: {run_id: ''}, builders: [amazon({name: 'a', tags: tag}), amazon({name: 'b', tags: tag}), {type: 'null'}]}),
		).toMatchObject({amiBuilders: ['a', 'b'], releaseRunTag: true});
		expect(findings({variables: {run_id: ''}, builders: [{type: 'null'}]})).toMatchObject({amiBuilders: [], releaseRunTag: false});
	});

	it('lists every sharing field with its builder', () => {
		const result = findings({builders: [amazon({name: 'east', ami_users: ['123456789012']}), amazon({name: 'west', ami_groups: ['all']})]});
		expect(result.sharing).toEqual([
			{builder: 'east', field: 'ami_users', values: ['123456789012']},
			{builder: 'west', field: 'ami_groups', values: ['all']},
		]);
	});
});
