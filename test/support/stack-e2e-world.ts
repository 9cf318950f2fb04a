import {writeFile} from 'node:fs/promises';
import type {AwsStandInOptions, ImageRecord} from '../../source/rehearsal/aws-stand-in';
import type {ReleasesStandInOptions} from '../../source/rehearsal/releases-stand-in';
import {resourceChanges} from '../../source/rehearsal/aws/update-plan';
import {createCliWorld, startRackEndpoints, type CliWorld} from './cli-env';
import {DUMMY_BUILD_SECRETS} from './dummy-secrets';
import {installRehearsalTools} from './tool-scripts';

export interface StackWorld extends CliWorld {
	/** `release --env dev --yes --confirm sumologic`: a whole dev release with nobody to ask. */
	releaseArgs: string[];
}

/**
 * A world for whole releases against the loopback CloudFormation (not --rehearse): Packer is the
 * rehearsal's replay (registers the image with the EC2 stand-in), convox answers from the stack,
 * hello-world and Librato are loopback servers, the template is a copy in the temp folder.
 */
export async function createStackWorld({
	aws,
	releases,
}: {aws?: AwsStandInOptions; releases?: ReleasesStandInOptions} = {}): Promise<StackWorld> {
	const rack = await startRackEndpoints({source: 'aws.dev.i-0e2e'});
	const base = await createCliWorld({aws: {tickMs: 20, changeSetDelayMs: 0, ...aws}, ...(releases ? {releases} : {})});
	const {packer, convox} = await installRehearsalTools(base.dir);
	await writeFile(
		base.configPath,
		JSON.stringify(
			{
				region: 'us-east-1',
				template: 'packer/packer.json',
				binaries: {packer, convox},
				accounts: {
					dev: {
						profile: 'convox-dev',
						accountId: '111111111111',
						stackName: 'convox-dev',
						rack: 'dev',
						helloWorldUrl: `${rack.helloWorld.url}/`,
						librato: {source: 'aws.dev.*'},
					},
				},
			},
			null,
			2,
		),
	);
	return {
		...base,
		env: {
			...base.env,
			...DUMMY_BUILD_SECRETS,
			LIBRATO_API_URL: rack.librato.url,
			CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '1',
			CONVOX_AMI_PROBE_TIMEOUT: '5',
			CONVOX_AMI_STACK_POLL_MS: '200',
		},
		releaseArgs: ['release', '--env', 'dev', '--yes', '--confirm', 'sumologic'],
		async close() {
			await Promise.all([base.close(), rack.close()]);
		},
	};
}

type CliEvent = Record<string, unknown>;

export const eventsOf = (events: CliEvent[], type: string) => events.filter(event => event.type === type);

export const stepEvent = (events: CliEvent[], step: string, status: string) =>
	events.find(event => event.type === 'step' && event.step === step && event.status === status);

export const noticesOf = (events: CliEvent[], step: string) =>
	events.filter(event => event.type === 'notice' && event.step === step).map(event => String(event.message));

/**
 * Calls `then` when the build registers its image with the EC2 stand-in (the replay's RegisterImage),
 * i.e. right before the release reaches the stack: the moment to change the stack behind its back.
 */
export function onImageRegistered(world: CliWorld, then: (image: ImageRecord) => void): void {
	const {state} = world.aws;
	const register = state.registerImage.bind(state);
	state.registerImage = input => {
		const image = register(input);
		if (image.tags.ReleaseRun) then(image);
		return image;
	};
}

/** Puts the stack on the image just built and its Convox version, instances included, as if that update had been made already. */
export function presetStackOn(world: CliWorld, image: ImageRecord): void {
	const stack = world.aws.state.stack('convox-dev');
	const target: Record<string, string> = {Ami: image.imageId, Version: image.tags.ConvoxVersion ?? ''};
	stack.parameters = stack.parameters.map(parameter =>
		parameter.key in target ? {...parameter, value: target[parameter.key]!} : parameter,
	);
	for (const instance of world.aws.state.instancesOf('convox-dev')) instance.imageId = image.imageId;
	world.aws.state.commit();
}

/** Starts an update of the stack by someone else (a parameter that touches only the rack's services), played out slowly. */
export function startForeignUpdate(world: CliWorld): void {
	const {state} = world.aws;
	const stack = state.stack('convox-dev');
	state.setScenario('convox-dev', ['slow', 'clean']);
	const target = state.snapshot(stack);
	target.parameters = target.parameters.map(parameter => (parameter.key === 'ApiCpu' ? {...parameter, value: '256'} : parameter));
	state.beginUpdate(stack, target, resourceChanges('convox-dev', ['ApiCpu']));
}
