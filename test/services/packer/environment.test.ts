import {describe, expect, it} from 'vitest';
import {packerEnvironment} from '../../../source/services/packer/environment';

const AWS = {accessKeyId: 'AKIAACCOUNT000000001', secretAccessKey: 'account-secret', sessionToken: 'account-session', region: 'eu-west-1'};

describe('packerEnvironment', () => {
	it('drops every ambient AWS credential and profile, the checks’ credentials and the CI token, sets the account keys and the region, keeps endpoints', () => {
		const ambient = {
			PATH: '/usr/bin',
			HOME: '/home/op',
			AWS_PROFILE: 'default-of-another-account',
			AWS_DEFAULT_PROFILE: 'x',
			AWS_ACCESS_KEY_ID: 'AKIAAMBIENT',
			AWS_SECRET_ACCESS_KEY: 'ambient-secret',
			AWS_ACCESS_KEY: 'legacy',
			AWS_SECRET_KEY: 'legacy-secret',
			AWS_SESSION_TOKEN: 'ambient-session',
			AWS_SECURITY_TOKEN: 'ambient-security',
			AWS_CREDENTIAL_EXPIRATION: '2026-01-01T00:00:00Z',
			AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token',
			AWS_ROLE_ARN: 'arn:aws:iam::999999999999:role/other',
			AWS_ROLE_SESSION_NAME: 'other',
			AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials',
			AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.2/creds',
			AWS_CONTAINER_AUTHORIZATION_TOKEN: 'container-token',
			AWS_SDK_LOAD_CONFIG: '1',
			AWS_SHARED_CREDENTIALS_FILE: '/home/op/.aws/credentials',
			AWS_CONFIG_FILE: '/home/op/.aws/config',
			AWS_REGION: 'us-west-2',
			AWS_DEFAULT_REGION: 'us-west-2',
			AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:9999',
			SUMOLOGIC_ACCESS_ID: 'su-check-only',
			SUMOLOGIC_ACCESS_KEY: 'check-only-key',
			GITHUB_TOKEN: 'ghs_ci-only-token',
			UNSET: undefined,
		};
		expect(packerEnvironment(ambient, AWS, {LIBRATO_TOKEN: 'tok'})).toEqual({
			PATH: '/usr/bin',
			HOME: '/home/op',
			AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:9999',
			LIBRATO_TOKEN: 'tok',
			AWS_ACCESS_KEY_ID: AWS.accessKeyId,
			AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey,
			AWS_SESSION_TOKEN: AWS.sessionToken,
			AWS_REGION: 'eu-west-1',
			AWS_DEFAULT_REGION: 'eu-west-1',
			AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
			AWS_CONFIG_FILE: '/dev/null',
			CHECKPOINT_DISABLE: '1',
		});
	});

	it('static keys: no session token at all, not an ambient one', () => {
		const env = packerEnvironment(
			{AWS_SESSION_TOKEN: 'ambient-session'},
			{accessKeyId: 'AKIASTATIC', secretAccessKey: 's', region: 'us-east-1'},
			{},
		);
		expect(env).not.toHaveProperty('AWS_SESSION_TOKEN');
		expect(env.AWS_ACCESS_KEY_ID).toBe('AKIASTATIC');
	});

	it('temporary credentials: the endpoint and its token instead of any key, ambient container variables replaced', () => {
		const env = packerEnvironment(
			{
				AWS_ACCESS_KEY_ID: 'AKIAAMBIENT',
				AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.2/creds',
				AWS_CONTAINER_AUTHORIZATION_TOKEN: 'other',
			},
			{endpoint: {url: 'http://127.0.0.1:4567/packer-credentials', token: 'served-token'}, region: 'us-east-1'},
			{},
		);
		expect(env).toMatchObject({
			AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:4567/packer-credentials',
			AWS_CONTAINER_AUTHORIZATION_TOKEN: 'served-token',
			AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
		});
		expect(Object.keys(env).filter(name => /^AWS_(ACCESS|SECRET|SESSION)/.test(name))).toEqual([]);
	});
});
