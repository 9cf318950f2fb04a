import {spawnSync} from 'node:child_process';
import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {LoadedConfig} from '../config/load-config';
import {parseConfig} from '../config/load-config';
import {currentRackStackSeed, ecsAmiParameters, ecsOptimizedImages, rackStackSeed, startAwsStandIn, type AwsCall} from './aws-stand-in';
import {listenOnLoopback} from './loopback-server';
import {rehearsalTemplate} from './packer-template';
import {demoFleet} from './demo-fleet';
import {earlierAmis} from './earlier-amis';
import {REHEARSAL_SECRETS} from './rehearsal-secrets';
import {awsStandInEnv} from './stand-in-env';
import {libratoStandIn} from './librato-stand-in';
import {rehearsalToolScript} from './tool-script';
import {recordingHelloWorld, startSumoLogicStandIn} from './sumologic-stand-in';
import {bundledTemplateFor, startCurrentReleasesStandIn, startReleasesStandIn} from './releases-stand-in';

export interface Rehearsal {
	config: LoadedConfig;
	awsEndpoint: string;
	/** Fake credentials of an account: the stand-in tells accounts apart by their key id. */
	credentialsFor(accountId: string): {accessKeyId: string; secretAccessKey: string};
	/** Environment for the run's services and child processes: every endpoint is a stand-in. */
	environmentFor(accountId: string): NodeJS.ProcessEnv;
	stop(): Promise<void>;
}

/** A line of CONVOX_AMI_REHEARSAL_CALL_LOG, which scripts/bench-fleet.mjs reads. */
type BenchCall = Pick<AwsCall, 'service' | 'action' | 'time' | 'accessKeyId' | 'region' | 'userAgent'> & {stackName?: string};

/** dev and prod are 2016-era racks (RegionConfig AMIs); `current` runs a template of 2026 (base AMI from SSM). */
const ACCOUNTS = {
	dev: {accountId: '111111111111', stackName: 'convox-dev', rack: 'dev', production: false},
	prod: {accountId: '222222222222', stackName: 'convox-prod', rack: 'prod', production: true},
	current: {accountId: '333333333333', stackName: 'convox-current', rack: 'current', production: false},
} as const;
const CURRENT_ERA: string = ACCOUNTS.current.accountId;

const REHEARSAL_SECRET_KEY = 'rehearsal-secret-access-key';

/** A host that never resolves (RFC 2606), as metrics-api.librato.com no longer does. */
const GONE_LIBRATO_API = 'http://metrics-api.librato.invalid';

/** Rack names listed in a rehearsal knob, e.g. CONVOX_AMI_REHEARSAL_ROLLBACK=dev,prod. */
const racksIn = (knob: string) => new Set((process.env[knob] ?? '').split(',').filter(Boolean));

/** Variables that could lead a child process to real AWS; a rehearsal drops them all. */
const REAL_AWS =
	/^AWS_(PROFILE|DEFAULT_PROFILE|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|ROLE_ARN|WEB_IDENTITY_TOKEN_FILE|CONFIG_FILE|SHARED_CREDENTIALS_FILE|ENDPOINT_URL.*)$/;

function accessKeyFor(accountId: string): string {
	return `AKIAREHEARSAL${accountId}`;
}

/**
 * Local stand-ins for everything a release touches: the release files (of 2016 for dev and prod,
 * of 2022-2026 for `current`), STS/CloudFormation/EC2/SSM/IAM/CloudWatch
 * (state kept in STATE_DIR/rehearsal so a killed rehearsal resumes), Packer (a replay of a recorded
 * build), the convox CLI, the hello-world app (its requests shipped to the SumoLogic stand-in as log lines) and Librato. No AWS credentials are loaded.
 */
export async function startRehearsal(stateDir: string, options: {fleet?: string; worldDir?: string} = {}): Promise<Rehearsal> {
	// A world of its own (--state s3://… under --rehearse) is shared by the folders that name it.
	const dir = options.worldDir ?? path.join(stateDir, 'rehearsal');
	// `--fleet NAME` rehearses the demo fleet under that name, in a world of its own.
	// CONVOX_AMI_REHEARSAL_ROLLBACK names racks whose next update rolls back, _STALE_INSTANCES racks whose
	// next update leaves the old instances running (their checklist fails); _FLEET_TOLERANCE sets the
	// demo's failureTolerance, _FLEET_RACKS keeps its first N racks (more than 20 adds generated ones).
	const demo = options.fleet
		? demoFleet(options.fleet, {
				failureTolerance: Number(process.env.CONVOX_AMI_REHEARSAL_FLEET_TOLERANCE ?? 0),
				racks: Number(process.env.CONVOX_AMI_REHEARSAL_FLEET_RACKS ?? 20),
			})
		: undefined;
	// _SILENT_METRICS names racks of which one instance never publishes metrics; _LOGS=never drops every
	// log line, =manual leaves the Search Job API out (the manual question); _METRICS=librato configures the
	// legacy Librato backend, =librato-gone one whose API no longer resolves.
	const rollingBack = racksIn('CONVOX_AMI_REHEARSAL_ROLLBACK');
	const staleInstances = racksIn('CONVOX_AMI_REHEARSAL_STALE_INSTANCES');
	const silentMetrics = racksIn('CONVOX_AMI_REHEARSAL_SILENT_METRICS');
	const metricsKnob = process.env.CONVOX_AMI_REHEARSAL_METRICS;
	const logsKnob = process.env.CONVOX_AMI_REHEARSAL_LOGS;
	const librato = metricsKnob === 'librato' || metricsKnob === 'librato-gone';
	const racks: Record<string, {accountId: string; stackName: string; rack: string; production: boolean; region?: string}> = {
		...ACCOUNTS,
		...demo?.racks,
	};
	const earlier = earlierAmis(new Date());
	const binDir = path.join(dir, 'bin');
	await mkdir(binDir, {recursive: true});
	const aws = await startAwsStandIn({
		stateFile: path.join(dir, demo ? `aws-fleet-${demo.fleetName}.json` : 'aws.json'),
		identities: Object.fromEntries(
			Object.values(ACCOUNTS).map(account => [
				accessKeyFor(account.accountId),
				{accountId: account.accountId, arn: `arn:aws:sts::${account.accountId}:assumed-role/Rehearsal/operator`},
			]),
		),
		stacks: Object.values(racks).map(account =>
			(account.accountId === CURRENT_ERA ? currentRackStackSeed : rackStackSeed)({
				stackName: account.stackName,
				accountId: account.accountId,
				...(account.region ? {region: account.region} : {}),
				...(rollingBack.has(account.rack) ? {scenario: ['rollback', 'clean']} : {}),
				...(staleInstances.has(account.rack) ? {scenario: ['stale-instances', 'clean']} : {}),
			}),
		),
		images: [...ecsOptimizedImages, ...earlier.images],
		launchTemplates: earlier.launchTemplates,
		launchConfigurations: earlier.launchConfigurations,
		looseInstances: earlier.looseInstances,
		recycleBinRules: earlier.recycleBinRules,
		ssmParameters: ecsAmiParameters,
		tickMs: Number(process.env.CONVOX_AMI_REHEARSAL_TICK_MS ?? 200),
		changeSetDelayMs: Number(process.env.CONVOX_AMI_REHEARSAL_CHANGE_SET_MS ?? 1000),
		imageCopies: {delayMs: Number(process.env.CONVOX_AMI_REHEARSAL_COPY_MS ?? 3000)},
		resolveTemplate: bundledTemplateFor,
		instanceMetrics: {
			silentStacks: Object.values(racks)
				.filter(account => silentMetrics.has(account.rack))
				.map(account => account.stackName),
		},
	});
	const [releases, currentReleases] = await Promise.all([startReleasesStandIn(), startCurrentReleasesStandIn()]);
	const sumo = await startSumoLogicStandIn({jobStates: ['DONE GATHERING RESULTS']});
	const helloWorld = await listenOnLoopback(recordingHelloWorld(sumo, {delayMs: 0, drop: logsKnob === 'never'}));
	const libratoApi = await listenOnLoopback(libratoStandIn({source: 'aws.rehearsal.i-0rehearsal'}));
	// The tools run through this very CLI.
	const cli = process.argv[1] ?? '';
	const [replay, convox] = await Promise.all([rehearsalToolScript(binDir, 'packer', cli), rehearsalToolScript(binDir, 'convox', cli)]);
	// The real Packer builds the rehearsal template when it is installed; otherwise (or with
	// CONVOX_AMI_REHEARSAL_PACKER=replay) a recorded amazon-ebs build is replayed.
	const realPacker =
		process.env.CONVOX_AMI_REHEARSAL_PACKER !== 'replay' && spawnSync('packer', ['version'], {stdio: 'ignore'}).status === 0;
	const template = path.join(dir, 'packer.json');
	if (realPacker) await writeFile(template, `${JSON.stringify(rehearsalTemplate(cli), null, 2)}\n`);
	const accounts = Object.fromEntries(
		Object.entries(racks).map(([name, account]) => [
			name,
			{
				...account,
				helloWorldUrl: `${helloWorld.url}/`,
				...(librato ? {metrics: {backend: 'librato', source: `aws.${name}.*`}} : {}),
				logs: {
					...(logsKnob === 'manual' ? {} : {api: sumo.url, query: `_sourceCategory=aws/${name}/logspout`}),
					searchUrl: `https://service.sumologic.com/ui/#/search/_sourceCategory=aws/${name}/logspout`,
				},
			},
		]),
	);
	const config = parseConfig(
		{
			region: 'us-east-1',
			binaries: {packer: realPacker ? 'packer' : replay, convox},
			...(realPacker ? {template} : {}),
			accounts,
			...(demo ? {fleets: {[demo.fleetName]: demo.fleet}} : {}),
		},
		'the rehearsal config',
	);
	const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !REAL_AWS.test(key)));
	return {
		config: {config, path: '(built-in rehearsal config)', dir},
		awsEndpoint: aws.url,
		credentialsFor: accountId => ({accessKeyId: accessKeyFor(accountId), secretAccessKey: REHEARSAL_SECRET_KEY}),
		environmentFor: accountId => ({
			...base,
			...REHEARSAL_SECRETS,
			AWS_ACCESS_KEY_ID: accessKeyFor(accountId),
			AWS_SECRET_ACCESS_KEY: REHEARSAL_SECRET_KEY,
			AWS_REGION: 'us-east-1',
			...awsStandInEnv(aws.url),
			CONVOX_RELEASES_URL: accountId === CURRENT_ERA ? currentReleases.url : releases.url,
			LIBRATO_API_URL: metricsKnob === 'librato-gone' ? GONE_LIBRATO_API : libratoApi.url,
			CONVOX_AMI_REHEARSAL_HELLO_WORLD: helloWorld.url,
			CONVOX_AMI_PROBE_TIMEOUT: base.CONVOX_AMI_PROBE_TIMEOUT ?? '60',
		}),
		async stop() {
			// For the bench: the calls the stand-in answered, when, for which account (key), region and stack.
			const callLog = process.env.CONVOX_AMI_REHEARSAL_CALL_LOG;
			if (callLog) {
				const logged: BenchCall[] = aws.calls.map(({service, action, time, accessKeyId, region, params, userAgent}) => ({
					service,
					action,
					time,
					...(userAgent ? {userAgent} : {}),
					...(accessKeyId ? {accessKeyId} : {}),
					...(region ? {region} : {}),
					...(typeof params.StackName === 'string' ? {stackName: params.StackName} : {}),
				}));
				await writeFile(callLog, `${JSON.stringify(logged)}\n`);
			}
			await Promise.all([aws.close(), releases.close(), currentReleases.close(), helloWorld.close(), libratoApi.close(), sumo.close()]);
		},
	};
}
