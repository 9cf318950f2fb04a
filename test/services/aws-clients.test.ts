import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {DescribeImagesCommand} from '@aws-sdk/client-ec2';
import {GetCallerIdentityCommand} from '@aws-sdk/client-sts';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {createAwsClients} from '../../source/services/aws-clients';
import {findImagesByRun} from '../../source/services/ec2-images';

const credentials = {accessKeyId: 'AKIAREHEARSAL0000000', secretAccessKey: 'rehearsal-secret'};
let aws: AwsStandIn | undefined;
const temporary: string[] = [];

afterEach(async () => {
	vi.unstubAllEnvs();
	await aws?.close();
	aws = undefined;
	for (const dir of temporary.splice(0)) rmSync(dir, {recursive: true, force: true});
});

describe('createAwsClients', () => {
	it("retries throttled calls in the SDK's adaptive mode until they succeed", async () => {
		aws = await startAwsStandIn({throttle: {count: 1, actions: ['DescribeImages']}});
		aws.state.registerImage({name: 'convox-dev-3f2c1ab', tags: {ReleaseRun: 'run-1'}});
		const clients = await createAwsClients({region: 'us-east-1', endpoint: aws.url, credentials});
		for (const client of [
			clients.ec2,
			clients.cloudformation,
			clients.sts,
			clients.ssm,
			clients.iam,
			clients.cloudwatch,
			clients.autoScaling,
			clients.ec2For('eu-west-1'),
		]) {
			expect(await client.config.retryStrategy()).toMatchObject({mode: 'adaptive'});
			expect(await client.config.maxAttempts()).toBe(6);
		}

		const images = await findImagesByRun(clients.ec2, 'run-1');
		expect(images.map(image => image.name)).toEqual(['convox-dev-3f2c1ab']);
		expect(aws.calls.map(call => `${call.action} ${call.error ?? 'ok'}`)).toEqual(['DescribeImages Throttling', 'DescribeImages ok']);
	});

	it('reaches other regions through ec2For, signing with the credentials resolved once', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'aws-clients-'));
		temporary.push(dir);
		const counter = path.join(dir, 'resolved');
		writeFileSync(counter, '');
		writeFileSync(
			path.join(dir, 'answer.json'),
			JSON.stringify({Version: 1, AccessKeyId: 'AKIAPROCESS000000000', SecretAccessKey: 'process-secret'}),
		);
		writeFileSync(path.join(dir, 'credentials.sh'), `echo resolved >> '${counter}'\ncat '${path.join(dir, 'answer.json')}'\n`);
		writeFileSync(
			path.join(dir, 'config'),
			`[profile ops]\nregion = us-east-1\ncredential_process = sh ${path.join(dir, 'credentials.sh')}\n`,
		);
		writeFileSync(path.join(dir, 'credentials'), '');
		vi.stubEnv('AWS_CONFIG_FILE', path.join(dir, 'config'));
		vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(dir, 'credentials'));
		aws = await startAwsStandIn({identities: {AKIAPROCESS000000000: {accountId: '222222222222'}}});
		const clients = await createAwsClients({region: 'us-east-1', profile: 'ops', endpoint: aws.url});

		expect((await clients.sts.send(new GetCallerIdentityCommand({}))).Account).toBe('222222222222');
		expect(clients.ec2For('us-east-1')).toBe(clients.ec2);
		expect(clients.ec2For('eu-west-1')).toBe(clients.ec2For('eu-west-1'));
		await clients.ec2For('eu-west-1').send(new DescribeImagesCommand({Owners: ['self']}));
		await clients.ec2For('ap-southeast-2').send(new DescribeImagesCommand({Owners: ['self']}));

		expect(aws.calls.map(call => `${call.action} ${call.region} ${call.accessKeyId}`)).toEqual([
			'GetCallerIdentity us-east-1 AKIAPROCESS000000000',
			'DescribeImages eu-west-1 AKIAPROCESS000000000',
			'DescribeImages ap-southeast-2 AKIAPROCESS000000000',
		]);
		expect(readFileSync(counter, 'utf8').trim().split('\n')).toEqual(['resolved']);
	});
});
