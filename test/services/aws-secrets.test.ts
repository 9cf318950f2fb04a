import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {secretReferencesOf} from '../../source/config/secret-references';
import {startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {createAwsClients} from '../../source/services/aws-clients';
import {createRunSecrets} from '../../source/services/run-secrets';
import type {SecretEnvName} from '../../source/core/secrets';
import type {Prompter} from '../../source/core/prompter';
import {StepFailedError} from '../../source/core/errors';

const LIBRATO = 'ssm-librato-token-4Fq9Zt';
const LOGSPOUT = 'sm-logspout-token-Ux81Pw';
const SUMO_KEY = 'sm-sumo-access-key-Jn27Rb';

let aws: AwsStandIn;
beforeAll(async () => {
	aws = await startAwsStandIn({
		tickMs: 50,
		ssmSecureStrings: {'/convox-ami/dev/librato-token': LIBRATO},
		ssmDenied: ['/convox-ami/prod/librato-token'],
		secrets: {'convox-ami/logspout': LOGSPOUT, 'convox-ami/sumologic': JSON.stringify({accessKey: SUMO_KEY})},
		secretsDenied: ['convox-ami/prod/logspout'],
	});
});
afterAll(() => aws.close());

const nobodyToAsk: Prompter = {
	interactive: false,
	select: () => Promise.reject(new Error('no prompt expected')),
	confirm: () => Promise.reject(new Error('no prompt expected')),
	text: () => Promise.reject(new Error('no prompt expected')),
	secret: () => Promise.reject(new Error('no prompt expected')),
};

function runSecrets(references: Partial<Record<SecretEnvName, string>>, env: NodeJS.ProcessEnv = {}) {
	const config = {secrets: references};
	return createRunSecrets(env, new Map(), {
		references: secretReferencesOf(config, {}),
		target: async () => ({
			clients: await createAwsClients({
				region: 'us-east-1',
				endpoint: aws.url,
				credentials: {accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x'},
			}),
			region: 'us-east-1',
			accountId: '111111111111',
			endpoint: aws.url,
		}),
	});
}

const readsOf = (action: string) => aws.calls.filter(call => call.action === action);

describe('secrets from SSM Parameter Store and Secrets Manager, over the wire', () => {
	it('reads an SSM SecureString with decryption and a Secrets Manager secret (whole, or one key of its JSON), once each, and scrubs them', async () => {
		const before = {ssm: readsOf('GetParameter').length, sm: readsOf('GetSecretValue').length};
		const secrets = runSecrets({
			LIBRATO_TOKEN: 'ssm:/convox-ami/dev/librato-token',
			LOGSPOUT_TOKEN: 'secretsmanager:convox-ami/logspout',
			SUMOLOGIC_ACCESS_KEY: 'secretsmanager:convox-ami/sumologic#accessKey',
		});
		expect(secrets.get('LIBRATO_TOKEN')).toBeUndefined();
		expect(await secrets.resolve('LIBRATO_TOKEN')).toBe(LIBRATO);
		expect(await secrets.obtain('LOGSPOUT_TOKEN', nobodyToAsk)).toBe(LOGSPOUT);
		expect(await secrets.resolve('SUMOLOGIC_ACCESS_KEY')).toBe(SUMO_KEY);
		expect(await secrets.resolve('LIBRATO_TOKEN')).toBe(LIBRATO);
		expect(secrets.get('LOGSPOUT_TOKEN')).toBe(LOGSPOUT);
		const ssmReads = readsOf('GetParameter').slice(before.ssm);
		expect(ssmReads).toHaveLength(1);
		expect(ssmReads[0]?.params).toMatchObject({Name: '/convox-ami/dev/librato-token', WithDecryption: true});
		expect(
			readsOf('GetSecretValue')
				.slice(before.sm)
				.map(call => call.params.SecretId),
		).toEqual(['convox-ami/logspout', 'convox-ami/sumologic']);
		expect(secrets.scrub(`token ${LIBRATO} route ${LOGSPOUT} key ${SUMO_KEY}`)).toBe('token *** route *** key ***');
	});

	it('the environment wins: nothing is read from AWS for a secret it sets', async () => {
		const before = aws.calls.length;
		const secrets = runSecrets({LOGSPOUT_TOKEN: 'secretsmanager:convox-ami/logspout'}, {LOGSPOUT_TOKEN: 'from-the-environment'});
		expect(await secrets.resolve('LOGSPOUT_TOKEN')).toBe('from-the-environment');
		expect(aws.calls.slice(before)).toEqual([]);
	});

	it('a missing parameter or secret names it, the account, and what to do', async () => {
		const missingParameter = runSecrets({LIBRATO_TOKEN: 'ssm:/convox-ami/dev/nope'}).resolve('LIBRATO_TOKEN');
		await expect(missingParameter).rejects.toBeInstanceOf(StepFailedError);
		await expect(missingParameter).rejects.toThrow(
			'LIBRATO_TOKEN: the SSM parameter /convox-ami/dev/nope does not exist in account 111111111111 (us-east-1).',
		);
		const missingSecret = runSecrets({LOGSPOUT_TOKEN: 'secretsmanager:convox-ami/nope'}).resolve('LOGSPOUT_TOKEN');
		await expect(missingSecret).rejects.toThrow('LOGSPOUT_TOKEN: the Secrets Manager secret convox-ami/nope does not exist');
		await expect(missingSecret).rejects.toMatchObject({hint: expect.stringContaining('set LOGSPOUT_TOKEN in the environment')});
		const missingKey = runSecrets({SUMOLOGIC_ACCESS_ID: 'secretsmanager:convox-ami/sumologic#accessId'}).resolve('SUMOLOGIC_ACCESS_ID');
		await expect(missingKey).rejects.toThrow('its JSON has no string key accessId');
	});

	it('an access denial names the IAM permission the credentials lack', async () => {
		const ssm = runSecrets({LIBRATO_TOKEN: 'ssm:/convox-ami/prod/librato-token'}).resolve('LIBRATO_TOKEN');
		await expect(ssm).rejects.toThrow('LIBRATO_TOKEN: reading the SSM parameter /convox-ami/prod/librato-token in account 111111111111');
		await expect(ssm).rejects.toMatchObject({
			hint: expect.stringMatching(/^Allow ssm:GetParameter on it \(and kms:Decrypt on its KMS key\)/),
		});
		const sm = runSecrets({LOGSPOUT_TOKEN: 'secretsmanager:convox-ami/prod/logspout'}).resolve('LOGSPOUT_TOKEN');
		await expect(sm).rejects.toMatchObject({hint: expect.stringMatching(/^Allow secretsmanager:GetSecretValue on it/)});
	});

	it('a failed read is tried again the next time the run needs it', async () => {
		const secrets = runSecrets({LIBRATO_TOKEN: 'ssm:/convox-ami/dev/later'});
		await expect(secrets.resolve('LIBRATO_TOKEN')).rejects.toThrow('does not exist');
		aws.state.data.ssmSecureStrings = {...aws.state.data.ssmSecureStrings, '/convox-ami/dev/later': 'created-meanwhile-value'};
		expect(await secrets.resolve('LIBRATO_TOKEN')).toBe('created-meanwhile-value');
	});

	it('references parse into their store, name and key', () => {
		const references = secretReferencesOf({secrets: {LIBRATO_TOKEN: 'ssm:/a/b', SUMOLOGIC_ACCESS_KEY: 'secretsmanager:a/b#k'}}, {});
		expect(Object.fromEntries(references)).toEqual({
			LIBRATO_TOKEN: {store: 'ssm', name: '/a/b'},
			SUMOLOGIC_ACCESS_KEY: {store: 'secretsmanager', name: 'a/b', key: 'k'},
		});
		expect(
			secretReferencesOf({secrets: {LOGSPOUT_TOKEN: 'ssm:/top'}}, {secrets: {LOGSPOUT_TOKEN: 'ssm:/account'}}).get('LOGSPOUT_TOKEN'),
		).toEqual({
			store: 'ssm',
			name: '/account',
		});
	});
});
