import {describe, expect, it} from 'vitest';
import type {ImageInput} from '../../source/rehearsal/aws-stand-in';
import {buildStep} from '../../source/steps/build';
import {StepFailedError} from '../../source/core/errors';
import {stepWorlds, type StepWorld} from '../support/step-world';

const AMI = 'ami-0e1f2a3b4c5d6e7f8';
const worlds = stepWorlds();

/** The account's copy of its AMI in eu-west-1, launchable as `sharing` says; without it, no such image there. */
const copiedAmi = (sharing: Partial<ImageInput> = {}): Promise<StepWorld> =>
	worlds.start({aws: {images: [{imageId: AMI, name: 'convox-prod-eu', region: 'eu-west-1', ownerId: '111111111111', ...sharing}]}});

/** A fleet rack's build step: its run carries the AMI its account built, copied to its region. */
const context = (world: StepWorld) =>
	world.context('build', {
		accountName: 'prod-eu',
		region: 'eu-west-1',
		flags: {yes: true},
		run: {
			options: {
				region: 'eu-west-1',
				dryRun: false,
				confirm: [],
				yes: true,
				prebuiltAmi: {amiId: AMI, region: 'eu-west-1', origin: 'copied from ami-1 (us-east-1)'},
			},
		},
	});

describe('build step of a fleet rack given its AMI', () => {
	it('adopts it after checking it is private: nothing is built, no template outputs are needed', async () => {
		const world = await copiedAmi();
		const {ctx, notices} = context(world);
		const outputs = await buildStep.run(ctx);
		expect(outputs).toEqual({amiId: AMI, amiIds: {'eu-west-1': AMI}, adopted: true, prebuilt: true});
		expect(world.aws.calls.filter(call => call.service === 'ec2').map(({action, region, params}) => ({action, region, params}))).toEqual([
			{
				action: 'DescribeImageAttribute',
				region: 'eu-west-1',
				params: expect.objectContaining({ImageId: AMI, Attribute: 'launchPermission'}),
			},
		]);
		expect(notices()).toContainEqual(
			expect.stringContaining(`Adopted AMI ${AMI} (eu-west-1), copied from ami-1 (us-east-1): not building again`),
		);
	});

	it('refuses a copy another account or the public can launch, naming the remedy', async () => {
		const shared = buildStep.run(context(await copiedAmi({launchPermissions: ['999999999999']})).ctx);
		await expect(shared).rejects.toBeInstanceOf(StepFailedError);
		await expect(shared).rejects.toThrow(`AMI ${AMI} (eu-west-1) IS SHARED with 999999999999`);
		await expect(buildStep.run(context(await copiedAmi({public: true})).ctx)).rejects.toThrow('IS PUBLIC');
	});

	it('a failed check of the launch permissions fails the step, to be resumed', async () => {
		const world = await worlds.start();
		await expect(buildStep.run(context(world).ctx)).rejects.toThrow(
			`Could not read the launch permissions of ${AMI} in eu-west-1 (DescribeImageAttribute): The image id '[${AMI}]' does not exist`,
		);
	});
});
