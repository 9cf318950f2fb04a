import {DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2';
import {mockClient} from 'aws-sdk-client-mock';
import {afterEach, describe, expect, it} from 'vitest';
import {rackStackSeed, startAwsStandIn} from '../../../source/rehearsal/aws-stand-in';
import {judgeInstances, listRackInstances} from '../../../source/services/probes/instances';
import {clients} from '../../rehearsal/aws-clients';

const ec2 = new EC2Client({region: 'us-east-1', credentials: {accessKeyId: 'x', secretAccessKey: 'y'}});
const mock = mockClient(ec2);
afterEach(() => mock.reset());

const instance = (id: string, ami: string) => ({InstanceId: id, ImageId: ami, State: {Name: 'running' as const}});

describe('listRackInstances', () => {
	it('follows every page and filters on the stack tag and the running state', async () => {
		mock
			.on(DescribeInstancesCommand)
			.resolvesOnce({Reservations: [{Instances: [instance('i-1', 'ami-new'), instance('i-2', 'ami-new')]}], NextToken: 'page-2'})
			.resolvesOnce({Reservations: [{Instances: [instance('i-3', 'ami-new')]}]});
		const instances = await listRackInstances(ec2, 'convox-dev');
		expect(instances.map(found => found.id)).toEqual(['i-1', 'i-2', 'i-3']);
		const calls = mock.commandCalls(DescribeInstancesCommand);
		expect(calls).toHaveLength(2);
		expect(calls[0]!.args[0].input.Filters).toEqual([
			{Name: 'tag:aws:cloudformation:stack-name', Values: ['convox-dev']},
			{Name: 'instance-state-name', Values: ['running']},
		]);
		expect(calls[1]!.args[0].input.NextToken).toBe('page-2');
		expect(judgeInstances(instances, 'convox-dev', 'ami-new')).toEqual({status: 'pass', detail: '3 of 3 on ami-new'});
	});

	it('gives each instance its launch time, from EC2 as the SDK reads it', async () => {
		const aws = await startAwsStandIn({stacks: [rackStackSeed({stackName: 'convox-dev'})]});
		try {
			const instances = await listRackInstances(clients(aws.url).ec2, 'convox-dev');
			const launched = new Map(aws.state.instancesOf('convox-dev').map(instance => [instance.instanceId, instance.launchTime]));
			expect(instances.length).toBe(launched.size);
			for (const instance of instances) {
				expect(instance.launchedAt).toBeInstanceOf(Date);
				expect(instance.launchedAt.getTime()).toBe(Date.parse(launched.get(instance.id)!));
			}
		} finally {
			await aws.close();
		}
	});
});

describe('judgeInstances', () => {
	it('fails when some instances still run the old AMI, naming them', () => {
		const outcome = judgeInstances(
			[
				{id: 'i-1', amiId: 'ami-new'},
				{id: 'i-2', amiId: 'ami-old'},
				{id: 'i-3', amiId: 'ami-new'},
			],
			'convox-dev',
			'ami-new',
		);
		expect(outcome).toEqual({status: 'fail', retryable: false, detail: '2 of 3 on ami-new; i-2 on ami-old'});
	});

	it('fails when the rack has no running instance', () => {
		expect(judgeInstances([], 'convox-dev', 'ami-new').detail).toBe('no running instances tagged aws:cloudformation:stack-name=convox-dev');
	});
});
