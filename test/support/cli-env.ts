import {execFile} from 'node:child_process';
import {mkdir, mkdtemp, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {startAwsStandIn, rackStackSeed, type AwsStandIn, type AwsStandInOptions} from '../../source/rehearsal/aws-stand-in';
import {libratoStandIn, type LibratoStandInOptions} from '../../source/rehearsal/librato-stand-in';
import {startReleasesStandIn, type ReleasesStandIn, type ReleasesStandInOptions} from '../../source/rehearsal/releases-stand-in';
import {awsStandInEnv} from '../../source/rehearsal/stand-in-env';
import {reply, serve, type Loopback} from './loopback';
import {CLI} from './pty';
import {afterAll, beforeAll} from 'vitest';

export interface CliWorld {
	dir: string;
	home: string;
	stateDir: string;
	configPath: string;
	aws: AwsStandIn;
	releases: ReleasesStandIn;
	env: NodeJS.ProcessEnv;
	close(): Promise<void>;
}

export const DEV_KEY = 'AKIADEVEXAMPLE000001';
export const WRONG_KEY = 'AKIAWRONGEXAMPLE0002';

export interface AwsKeys {
	accessKeyId: string;
	secretAccessKey: string;
}

export interface CliWorldOptions {
	config?: object;
	aws?: AwsStandInOptions;
	releases?: ReleasesStandInOptions;
	/** Keys of the ~/.aws profile convox-dev (the stand-in knows them as dev's account); default DEV_KEY's. */
	devKeys?: AwsKeys;
}

/**
 * A folder with a config, a temporary HOME holding ~/.aws profiles, and loopback stand-ins for
 * the release files and for STS/CloudFormation/EC2, reached through AWS_ENDPOINT_URL_*.
 */
export async function createCliWorld({
	config,
	aws,
	releases,
	devKeys = {accessKeyId: DEV_KEY, secretAccessKey: 'devsecretdevsecretdevsecret'},
}: CliWorldOptions = {}): Promise<CliWorld> {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-e2e-'));
	const home = path.join(dir, 'home');
	await mkdir(path.join(home, '.aws'), {recursive: true});
	await writeFile(
		path.join(home, '.aws', 'config'),
		['[profile convox-dev]', 'region = us-east-1', '[profile convox-wrong]', 'region = us-east-1', ''].join('\n'),
	);
	await writeFile(
		path.join(home, '.aws', 'credentials'),
		[
			`[convox-dev]`,
			`aws_access_key_id = ${devKeys.accessKeyId}`,
			`aws_secret_access_key = ${devKeys.secretAccessKey}`,
			`[convox-wrong]`,
			`aws_access_key_id = ${WRONG_KEY}`,
			'aws_secret_access_key = wrongsecretwrongsecret',
			'',
		].join('\n'),
	);
	const awsStandIn = await startAwsStandIn({
		tickMs: 20,
		stacks: [rackStackSeed({stackName: 'convox-dev'})],
		...aws,
		identities: {
			[devKeys.accessKeyId]: {accountId: '111111111111', arn: 'arn:aws:sts::111111111111:assumed-role/Admin/operator'},
			[WRONG_KEY]: {accountId: '999999999999'},
			...aws?.identities,
		},
	});
	const releasesStandIn = await startReleasesStandIn(releases);
	const configPath = path.join(dir, 'convox-ami.config.json');
	await writeFile(
		configPath,
		JSON.stringify(
			config ?? {
				region: 'us-east-1',
				accounts: {
					dev: {profile: 'convox-dev', accountId: '111111111111', stackName: 'convox-dev', rack: 'dev'},
					wrong: {profile: 'convox-wrong', accountId: '111111111111', stackName: 'convox-dev'},
				},
			},
			null,
			2,
		),
	);
	const env: NodeJS.ProcessEnv = {
		PATH: process.env.PATH,
		HOME: home,
		LANG: 'C.UTF-8',
		...awsStandInEnv(awsStandIn.url),
		AWS_EC2_METADATA_DISABLED: 'true',
		CONVOX_RELEASES_URL: releasesStandIn.url,
		CI: 'true',
	};
	return {
		dir,
		home,
		stateDir: path.join(dir, '.convox-ami'),
		configPath,
		aws: awsStandIn,
		releases: releasesStandIn,
		env,
		async close() {
			await awsStandIn.close();
			await releasesStandIn.close();
		},
	};
}

export interface RackEndpoints {
	helloWorld: Loopback;
	librato: Loopback;
	close(): Promise<void>;
}

/** What a rack's checks probe besides AWS: a hello-world that answers 200, and Librato (the rehearsal's stand-in). */
export async function startRackEndpoints(librato: LibratoStandInOptions): Promise<RackEndpoints> {
	const [helloWorld, libratoApi] = await Promise.all([
		serve((_request, response) => reply(response, 200, 'Hello, World!\n')),
		serve(libratoStandIn(librato)),
	]);
	return {
		helloWorld,
		librato: libratoApi,
		async close() {
			await Promise.all([helloWorld.close(), libratoApi.close()]);
		},
	};
}

export interface CliResult {
	code: number;
	stdout: string;
	stderr: string;
	events: Array<Record<string, unknown>>;
}

/** Runs the built CLI to its end without a terminal. */
export function runCli(args: string[], {cwd, env}: {cwd: string; env: NodeJS.ProcessEnv}): Promise<CliResult> {
	return new Promise(resolve => {
		execFile(process.execPath, [CLI, ...args], {cwd, env, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
			const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
			const events = stdout
				.split('\n')
				.filter(line => line.startsWith('{'))
				.map(line => JSON.parse(line) as Record<string, unknown>);
			resolve({code, stdout, stderr, events});
		});
	});
}

export interface SharedCliWorld {
	readonly world: CliWorld;
	/** A state dir of its own for each case, so the cases of a file share one world and run at once. */
	stateDir(): string;
	/** How many state dirs the cases took so far. */
	readonly stateDirsTaken: number;
	/** Runs the CLI in the world's folder, journaling into `dir` (a fresh state dir unless given). */
	run(args: string[], dir?: string): Promise<CliResult>;
}

/** One world for the whole file: made before its first case, closed after its last. */
export function sharedCliWorld(options?: CliWorldOptions): SharedCliWorld {
	let world: CliWorld | undefined;
	let counter = 0;
	beforeAll(async () => {
		world = await createCliWorld(options);
	});
	afterAll(async () => world?.close());
	const shared: SharedCliWorld = {
		get world() {
			if (!world) throw new Error('The world is made in beforeAll: read it inside a case.');
			return world;
		},
		stateDir: () => path.join(shared.world.dir, `state-${++counter}`),
		get stateDirsTaken() {
			return counter;
		},
		run: (args, dir = shared.stateDir()) => runCli([...args, '--state-dir', dir], {cwd: shared.world.dir, env: shared.world.env}),
	};
	return shared;
}

export async function exists(file: string): Promise<boolean> {
	return stat(file).then(
		() => true,
		() => false,
	);
}

/** The environment of a paced rehearsal in its own HOME: nothing of the shell's (no AWS profile), plus these knobs. */
export function rehearsalEnv(home: string, knobs: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return {
		PATH: process.env.PATH,
		HOME: home,
		LANG: 'C.UTF-8',
		CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '1',
		CONVOX_AMI_REHEARSAL_TICK_MS: '20',
		CONVOX_AMI_REHEARSAL_CHANGE_SET_MS: '200',
		CONVOX_AMI_STACK_POLL_MS: '250',
		...knobs,
	};
}
