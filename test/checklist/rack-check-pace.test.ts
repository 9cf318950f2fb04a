import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {rackCheck} from '../../source/checklist/checks/rack';
import {probeTimeoutMs} from '../../source/checklist/setup';
import {parseConfig} from '../../source/config/load-config';
import {rackStackSeed, startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {callBudgetFor} from '../../source/services/cloudformation/call-budget';
import {createServices} from '../../source/services/create-services';
import {createRunSecrets} from '../../source/services/run-secrets';
import {script} from '../support/tool-scripts';
import {CLI} from '../support/pty';

const ACCOUNT_ID = '444444444444';
const REGION = 'eu-west-1';
const KEY = `AKIAPACE${ACCOUNT_ID}`;

let aws: AwsStandIn | undefined;
let dir: string | undefined;
afterEach(async () => {
	vi.restoreAllMocks();
	await aws?.close();
	if (dir) await rm(dir, {recursive: true, force: true});
});

describe('the rack check in a fleet (needs `npm run build`: the convox stand-in is the built CLI)', () => {
	it('takes a turn of the account-region’s shared pace for each CloudFormation call, `convox rack`’s (the rack API’s) included', async () => {
		const seed = rackStackSeed({stackName: 'convox-pace', accountId: ACCOUNT_ID, region: REGION});
		aws = await startAwsStandIn({
			stacks: [seed],
			identities: {[KEY]: {accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/pace`}},
		});
		dir = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-rack-pace-'));
		const convox = await script(path.join(dir, 'convox'), `exec '${process.execPath}' '${CLI}' __rehearsal convox "$@"`);
		const config = parseConfig(
			{region: REGION, binaries: {convox}, accounts: {pace: {accountId: ACCOUNT_ID, stackName: 'convox-pace', rack: 'pace'}}},
			'pace.json',
		);
		const account = config.accounts.pace!;
		const pace = callBudgetFor(ACCOUNT_ID, REGION, 50);
		const turns = vi.spyOn(pace, 'take');
		const environment = {PATH: process.env.PATH, AWS_ENDPOINT_URL_CLOUDFORMATION: aws.url, AWS_ACCESS_KEY_ID: KEY, AWS_REGION: 'us-east-1'};
		const services = createServices({
			config,
			configDir: dir,
			account,
			region: REGION,
			environment,
			standIn: {endpoint: aws.url, credentials: {accessKeyId: KEY, secretAccessKey: 'secret'}},
			sharedPace: true,
		});
		const parameter = (key: string) => seed.Parameters?.find(candidate => candidate.ParameterKey === key)?.ParameterValue ?? '';
		const body = rackCheck.body({
			account,
			services,
			secrets: createRunSecrets(environment),
			runId: 'pace-run',
			configDir: dir,
			probeTimeoutMs: probeTimeoutMs(environment, account),
			targets: {
				stackName: 'convox-pace',
				convoxVersion: parameter('Version'),
				amiId: parameter('Ami'),
				acceptedStatuses: ['UPDATE_COMPLETE', 'CREATE_COMPLETE'],
			},
		});
		if (body.kind !== 'auto') throw new Error('the rack check runs by itself');

		const outcome = await body.probe(new AbortController().signal, () => undefined);

		expect(outcome).toMatchObject({status: 'pass'});
		const calls = aws.calls.filter(call => call.service === 'cloudformation');
		expect(calls.map(call => [call.action, call.region])).toEqual([
			['DescribeStacks', REGION],
			['DescribeStacks', REGION],
		]);
		expect(calls.filter(call => !call.userAgent?.startsWith('aws-sdk-js'))).toHaveLength(1);
		expect(turns).toHaveBeenCalledTimes(calls.length);
	});
});
