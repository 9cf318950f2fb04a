import {describe, expect, it} from 'vitest';
import {resolveTargets} from '../../source/steps/verify-targets';

const VERSION = '20160916121812';
const AMI = 'ami-0a7f3c9e21d4b5e86';

describe('resolveTargets', () => {
	const stack = {
		stackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/convox/1',
		stackName: 'convox',
		status: 'UPDATE_COMPLETE',
		parameters: [
			{key: 'Ami', value: 'ami-old'},
			{key: 'Version', value: '20160101000000'},
		],
	};
	it('takes the release outputs after an update and the stack otherwise', () => {
		expect(
			resolveTargets(
				stack,
				{
					convoxVersion: VERSION,
					amiId: 'ami-x',
					amiIds: {'us-east-1': AMI},
					stackStatus: 'UPDATE_COMPLETE',
					completedAt: '2026-11-25T01:00:00Z',
				},
				'us-east-1',
			),
		).toEqual({
			stackName: 'convox',
			convoxVersion: VERSION,
			amiId: AMI,
			acceptedStatuses: ['UPDATE_COMPLETE'],
			updatedAt: new Date('2026-11-25T01:00:00Z'),
		});
		expect(resolveTargets(stack, {}, 'us-east-1')).toEqual({
			stackName: 'convox',
			convoxVersion: '20160101000000',
			amiId: 'ami-old',
			acceptedStatuses: ['UPDATE_COMPLETE', 'CREATE_COMPLETE'],
		});
	});
});
