import {DescribeImageAttributeCommand, EC2Client} from '@aws-sdk/client-ec2';
import {mockClient} from 'aws-sdk-client-mock';
import {beforeEach, describe, expect, it} from 'vitest';
import type {AwsClients, Services} from '../../source/core/ports';
import {buildStep} from '../../source/steps/build';
import {StepFailedError} from '../../source/core/errors';
import {stepVerbs, type StepContext} from '../../source/core/step';
import type {Run, RunEventInput} from '../../source/core/types';

const AMI = 'ami-0e1f2a3b4c5d6e7f8';
const ec2 = new EC2Client({region: 'eu-west-1'});
const ec2Mock = mockClient(ec2);

beforeEach(() => {
	ec2Mock.reset();
	ec2Mock.on(DescribeImageAttributeCommand).resolves({ImageId: AMI, LaunchPermissions: []});
});

/** A fleet rack's build step: its run carries the AMI its account built, copied to its region. */
function context(events: RunEventInput[]): StepContext {
	const run = {
		id: 'run-eu',
		env: 'prod-eu',
		steps: [{id: 'build', status: 'pending', attempts: 0, outputs: {}}],
		options: {
			region: 'eu-west-1',
			dryRun: false,
			confirm: [],
			yes: true,
			prebuiltAmi: {amiId: AMI, region: 'eu-west-1', origin: 'copied from ami-1 (us-east-1)'},
		},
	} as unknown as Run;
	const services = {aws: async () => ({ec2}) as unknown as AwsClients, environment: {}} as unknown as Services;
	return {
		run,
		services,
		emit: (event: RunEventInput) => events.push(event),
		...stepVerbs('build', event => events.push(event)),
		signal: new AbortController().signal,
	} as unknown as StepContext;
}

describe('build step of a fleet rack given its AMI', () => {
	it('adopts it after checking it is private: nothing is built, no template outputs are needed', async () => {
		const events: RunEventInput[] = [];
		const outputs = await buildStep.run(context(events));
		expect(outputs).toEqual({amiId: AMI, amiIds: {'eu-west-1': AMI}, adopted: true, prebuilt: true});
		expect(ec2Mock.commandCalls(DescribeImageAttributeCommand)[0]!.args[0].input).toEqual({ImageId: AMI, Attribute: 'launchPermission'});
		expect(events).toContainEqual(
			expect.objectContaining({
				type: 'notice',
				message: expect.stringContaining(`Adopted AMI ${AMI} (eu-west-1), copied from ami-1 (us-east-1): not building again`),
			}),
		);
	});

	it('refuses a copy another account or the public can launch, naming the remedy', async () => {
		ec2Mock.on(DescribeImageAttributeCommand).resolves({ImageId: AMI, LaunchPermissions: [{UserId: '999999999999'}]});
		const shared = buildStep.run(context([]));
		await expect(shared).rejects.toBeInstanceOf(StepFailedError);
		await expect(buildStep.run(context([]))).rejects.toThrow(`AMI ${AMI} (eu-west-1) IS SHARED with 999999999999`);
		ec2Mock.on(DescribeImageAttributeCommand).resolves({ImageId: AMI, LaunchPermissions: [{Group: 'all'}]});
		await expect(buildStep.run(context([]))).rejects.toThrow('IS PUBLIC');
	});

	it('a failed check of the launch permissions fails the step, to be resumed', async () => {
		ec2Mock.on(DescribeImageAttributeCommand).rejects(new Error('socket hang up'));
		await expect(buildStep.run(context([]))).rejects.toThrow(
			'Could not read the launch permissions of ami-0e1f2a3b4c5d6e7f8 in eu-west-1 (DescribeImageAttribute): socket hang up',
		);
	});
});
