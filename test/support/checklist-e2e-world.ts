import {copyFile, mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {rackStackSeed} from '../../source/rehearsal/aws-stand-in';
import {createCliWorld, startRackEndpoints, type AwsKeys, type CliWorld} from './cli-env';
import {DUMMY_BUILD_SECRETS} from './dummy-secrets';
import type {Loopback} from './loopback';

const FAKE_CONVOX = new URL('../fixtures/bin/convox', import.meta.url).pathname;
const FAKE_PACKER = new URL('../fixtures/bin/fake-packer.mjs', import.meta.url).pathname;
const BUNDLED_TEMPLATE = new URL('../../packer/packer.json', import.meta.url).pathname;
const RACK_FIXTURE = new URL('../fixtures/convox/convox-rack.stdout.txt', import.meta.url).pathname;

/** The Convox version the releases stand-in publishes as newest, and the AMI a released rack runs. */
export const RACK_VERSION = '20160916121812';
export const RACK_AMI = 'ami-0c1a55e7e2ec0a001';

export interface Secrets {
	LIBRATO_EMAIL: string;
	LIBRATO_TOKEN: string;
	LOGSPOUT_TOKEN: string;
}

export interface ChecklistWorldOptions {
	/** The stack already runs RACK_AMI and RACK_VERSION (default); otherwise it is the seed rack, ready for a release. */
	released?: boolean;
	secrets?: Secrets;
	/** Keys of the ~/.aws profile convox-dev, instead of the world's default ones. */
	awsKeys?: AwsKeys;
	/** Environment of the fake Packer (FAKE_PACKER_*), CONVOX_AMI_PROBE_TIMEOUT and the like. */
	extraEnv?: NodeJS.ProcessEnv;
	/** More access keys the AWS stand-in knows, by the account they belong to. */
	identities?: Record<string, {accountId: string}>;
}

export interface ChecklistWorld extends CliWorld {
	helloWorld: Loopback;
	librato: Loopback;
	convoxArgsLog: string;
	secrets: Secrets;
}

/**
 * A Convox rack for the checklist and for whole releases: the stack (released on RACK_AMI /
 * RACK_VERSION with three instances, or the seed rack), a hello-world that answers 200, a Librato
 * API with fresh measurements for the world's credentials, the fake `convox` printing the recorded
 * `convox rack` with RACK_VERSION, the fake Packer, and a copy of the shipped template.
 */
export async function createChecklistWorld({
	released = true,
	secrets = DUMMY_BUILD_SECRETS,
	awsKeys,
	extraEnv = {},
	identities = {},
}: ChecklistWorldOptions = {}): Promise<ChecklistWorld> {
	const rack = await startRackEndpoints({source: 'aws.dev.i-0a1', account: {email: secrets.LIBRATO_EMAIL, token: secrets.LIBRATO_TOKEN}});
	const base = await createCliWorld({
		config: {
			region: 'us-east-1',
			template: 'packer/packer.json',
			binaries: {convox: FAKE_CONVOX, packer: FAKE_PACKER},
			accounts: {
				dev: {
					profile: 'convox-dev',
					accountId: '111111111111',
					stackName: 'convox-dev',
					rack: 'dev',
					helloWorldUrl: `${rack.helloWorld.url}/`,
					librato: {source: 'aws.dev.*'},
					sumologic: {searchUrl: 'https://service.sumologic.com/ui/#/search/_sourceCategory=dev/http'},
				},
			},
		},
		aws: {
			identities,
			images: [{imageId: RACK_AMI, name: 'convox-dev-dev-20261125000000', tags: {Env: 'dev'}}],
			stacks: [rackStackSeed({stackName: 'convox-dev', ...(released ? {parameters: {Ami: RACK_AMI, Version: RACK_VERSION}} : {})})],
		},
		...(awsKeys ? {devKeys: awsKeys} : {}),
	});
	await mkdir(path.join(base.dir, 'packer'));
	await copyFile(BUNDLED_TEMPLATE, path.join(base.dir, 'packer', 'packer.json'));
	const rackOutput = path.join(base.dir, 'convox-rack.stdout.txt');
	const recorded = await readFile(RACK_FIXTURE, 'utf8');
	await writeFile(rackOutput, recorded.replace(/^Version\s+\S+/m, `Version  ${RACK_VERSION}`));
	const convoxArgsLog = path.join(base.dir, 'convox-args.log');
	return {
		...base,
		helloWorld: rack.helloWorld,
		librato: rack.librato,
		convoxArgsLog,
		secrets,
		env: {
			...base.env,
			...secrets,
			LIBRATO_API_URL: rack.librato.url,
			FAKE_CONVOX_RACK: rackOutput,
			FAKE_CONVOX_ARGS_LOG: convoxArgsLog,
			CONVOX_AMI_PROBE_TIMEOUT: '20',
			CONVOX_AMI_STACK_POLL_MS: '200',
			...extraEnv,
		},
		async close() {
			await Promise.all([base.close(), rack.close()]);
		},
	};
}
