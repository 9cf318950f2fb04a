import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {AwsCredentialIdentity} from '@aws-sdk/types';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {startAwsStandIn, stockImage, type AwsStandIn} from '../../../source/rehearsal/aws-stand-in';
import {serveCredentials, type CredentialsEndpoint} from '../../../source/services/packer/credentials-endpoint';
import {startPackerBuild} from '../../../source/services/packer/runner';

const dir = mkdtempSync(join(tmpdir(), 'packer-credentials-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

let endpoint: CredentialsEndpoint | undefined;
let aws: AwsStandIn | undefined;
afterEach(async () => {
	await endpoint?.close();
	await aws?.close();
	endpoint = aws = undefined;
});

/** Session credentials numbered by resolution, each valid `lifetimeMs` from when it was served. */
function numberedCredentials(lifetimeMs: number) {
	const served: string[] = [];
	const resolve = async (): Promise<AwsCredentialIdentity> => {
		const accessKeyId = `ASIASERVED${String(served.length + 1).padStart(10, '0')}`;
		served.push(accessKeyId);
		return {
			accessKeyId,
			secretAccessKey: `secret-${accessKeyId}`,
			sessionToken: `session-${accessKeyId}`,
			expiration: new Date(Date.now() + lifetimeMs),
		};
	};
	return {served, resolve};
}

describe('the credentials endpoint', () => {
	it('answers the container-credentials shape on 127.0.0.1, to the token only', async () => {
		const {resolve} = numberedCredentials(3600_000);
		endpoint = await serveCredentials(resolve);
		expect(new URL(endpoint.url).hostname).toBe('127.0.0.1');
		const answer = await fetch(endpoint.url, {headers: {authorization: endpoint.token}});
		expect(answer.status).toBe(200);
		expect(await answer.json()).toEqual({
			AccessKeyId: 'ASIASERVED0000000001',
			SecretAccessKey: 'secret-ASIASERVED0000000001',
			Token: 'session-ASIASERVED0000000001',
			Expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
		});
		const wrong: Record<string, string>[] = [{}, {authorization: 'wrong'}, {authorization: `${endpoint.token}x`}];
		for (const headers of wrong) {
			const refused = await fetch(endpoint.url, {headers});
			expect(refused.status).toBe(403);
			expect(JSON.stringify(await refused.json())).not.toContain('ASIASERVED');
		}
		expect((await fetch(`${endpoint.url}/other`, {headers: {authorization: endpoint.token}})).status).toBe(404);
	});

	it("says why when the account's credentials cannot be refreshed", async () => {
		endpoint = await serveCredentials(() => Promise.reject(new Error('The SSO session has expired')));
		const answer = await fetch(endpoint.url, {headers: {authorization: endpoint.token}});
		expect(answer.status).toBe(500);
		expect(await answer.json()).toEqual({
			code: 'CredentialsUnavailable',
			message: "Could not refresh the account's credentials: The SSO session has expired",
		});
	});
});

const PROOF_CALLS = 5;
const ec2Calls = (standIn: AwsStandIn) => standIn.calls.filter(call => call.service === 'ec2').length;

/**
 * The real Packer 1.6.6 (aws-sdk-go v1 through hashicorp/aws-sdk-go-base): without keys in its
 * environment it reaches the session's default chain, whose container provider asks the endpoint.
 * The build fails once the EC2 stand-in lacks an operation; the calls before that are the proof.
 */
describe('the real Packer signs with the credentials the endpoint serves', () => {
	async function buildAgainstStandIn(name: string, lifetimeMs: number) {
		aws = await startAwsStandIn({});
		const credentials = numberedCredentials(lifetimeMs);
		endpoint = await serveCredentials(credentials.resolve);
		const cwd = mkdtempSync(join(dir, `${name}-`));
		const template = join(cwd, 'template.json');
		writeFileSync(
			template,
			JSON.stringify({
				builders: [
					{
						type: 'amazon-ebs',
						region: 'us-east-1',
						custom_endpoint_ec2: aws.url,
						skip_region_validation: true,
						source_ami: stockImage.imageId,
						instance_type: 't3.micro',
						ssh_username: 'ec2-user',
						ami_name: `${name}-{{timestamp}}`,
					},
				],
			}),
		);
		const logPath = join(cwd, 'runs', `${name}.packer.log`);
		const build = await startPackerBuild({
			packer: 'packer',
			template,
			variables: {},
			secrets: [],
			aws: {endpoint: {url: endpoint.url, token: endpoint.token}, region: 'us-east-1'},
			// Ambient keys Packer must not sign with.
			environment: {...process.env, AWS_ACCESS_KEY_ID: 'AKIAAMBIENT000000000', AWS_SECRET_ACCESS_KEY: 'ambient'},
			cwd,
			logPath,
		});
		// Enough calls for the proof; a stand-in that lets the build go on to the instance is not waited on.
		let ended = false;
		void build.result.finally(() => (ended = true));
		while (!ended && ec2Calls(aws) < PROOF_CALLS) await new Promise(resolve => setTimeout(resolve, 50));
		if (!ended) build.kill();
		await build.result;
		const signedWith = aws.calls.filter(call => call.service === 'ec2').map(call => call.accessKeyId);
		return {served: credentials.served, signedWith, log: readFileSync(logPath, 'utf8')};
	}

	it('credentials far from expiry: the first key served signs every call', async () => {
		const {served, signedWith, log} = await buildAgainstStandIn('lasting', 3600_000);
		expect(signedWith.length).toBeGreaterThanOrEqual(3);
		expect(new Set(signedWith)).toEqual(new Set([served[0]]));
		expect(log).toContain('Found Image ID');
		expect(log).not.toContain(endpoint!.token);
	});

	it('credentials inside aws-sdk-go’s 5-minute expiry window: fetched again, later calls sign with the next keys', async () => {
		const {served, signedWith} = await buildAgainstStandIn('expiring', 60_000);
		expect(signedWith).not.toContain('AKIAAMBIENT000000000');
		expect(signedWith.every(key => served.includes(key!))).toBe(true);
		expect(new Set(signedWith).size).toBeGreaterThanOrEqual(2);
		const order = signedWith.map(key => served.indexOf(key!));
		expect(order).toEqual([...order].sort((a, b) => a - b));
	});
});
