import {afterEach, describe, expect, it, vi} from 'vitest';
import {rackCheck} from '../../source/checklist/checks/rack';
import {probeTimeoutMs} from '../../source/checklist/setup';
import {rackStackSeed} from '../../source/rehearsal/aws-stand-in';
import {callBudgetFor} from '../../source/services/cloudformation/call-budget';
import {stepWorlds} from '../support/step-world';

const ACCOUNT_ID = '444444444444';
const REGION = 'eu-west-1';

const worlds = stepWorlds();
afterEach(() => {
	vi.restoreAllMocks();
});

describe('the rack check in a fleet (needs `npm run build`: the convox stand-in is the built CLI)', () => {
	it('takes a turn of the account-region’s shared pace for each CloudFormation call, `convox rack`’s (the rack API’s) included', async () => {
		const seed = rackStackSeed({stackName: 'convox-pace', accountId: ACCOUNT_ID, region: REGION});
		const world = await worlds.start({aws: {accountId: ACCOUNT_ID, stacks: [seed]}, convox: 'rehearsal'});
		const pace = callBudgetFor(ACCOUNT_ID, REGION, 50);
		const turns = vi.spyOn(pace, 'take');
		const {ctx} = world.context('verify', {
			accountName: 'pace',
			region: REGION,
			account: {stackName: 'convox-pace', rack: 'pace'},
			sharedPace: true,
		});
		const parameter = (key: string) => seed.Parameters?.find(candidate => candidate.ParameterKey === key)?.ParameterValue ?? '';
		const body = rackCheck.body({
			account: ctx.account,
			services: ctx.services,
			secrets: ctx.secrets,
			runId: 'pace-run',
			configDir: ctx.configDir,
			probeTimeoutMs: probeTimeoutMs(ctx.services.environment, ctx.account),
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
		const calls = world.aws.calls.filter(call => call.service === 'cloudformation');
		expect(calls.map(call => [call.action, call.region])).toEqual([
			['DescribeStacks', REGION],
			['DescribeStacks', REGION],
		]);
		expect(calls.filter(call => !call.userAgent?.startsWith('aws-sdk-js'))).toHaveLength(1);
		expect(turns).toHaveBeenCalledTimes(calls.length);
	});
});
