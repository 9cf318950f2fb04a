import {mkdir, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import type {AwsCredentialIdentity, AwsCredentialIdentityProvider} from '@aws-sdk/types';
import {afterEach} from 'vitest';
import {parseConfig} from '../../source/config/load-config';
import type {Config} from '../../source/config/schema';
import {LIVE_POLICY, REHEARSAL_POLICY, type Services, type WorldPolicy} from '../../source/core/ports';
import type {Prompter} from '../../source/core/prompter';
import type {SecretEnvName} from '../../source/core/secrets';
import {stepVerbs, type Flags, type StepContext} from '../../source/core/step';
import {outputsOf, type RecordedOutputs} from '../../source/core/step-outputs';
import {STEP_IDS, type Run, type RunEvent, type RunEventInput, type RunMode, type StepId, type StepRecord} from '../../source/core/types';
import {rackStackSeed, startAwsStandIn, type AwsStandIn, type AwsStandInOptions} from '../../source/rehearsal/aws-stand-in';
import {REHEARSAL_SECRETS} from '../../source/rehearsal/rehearsal-secrets';
import {startReleasesStandIn, type ReleasesStandIn, type ReleasesStandInOptions} from '../../source/rehearsal/releases-stand-in';
import {awsStandInEnv} from '../../source/rehearsal/stand-in-env';
import {createServices} from '../../source/services/create-services';
import {createRunSecrets} from '../../source/services/run-secrets';
import {reduceRun} from '../../source/workflow/reducer';
import {ScriptedPrompter} from '../checklist/scripted-prompter';
import {rehearsalTool} from './tool-scripts';

export interface StepWorldOptions {
	/**
	 * Seeds and scenarios of the AWS stand-in (STS, CloudFormation, EC2, SSM, ...); its `accountId` is the world's account.
	 * Without `stacks`, the account's rack: the 2016-era stack `convox-dev`, as the rehearsal's dev rack.
	 */
	aws?: AwsStandInOptions;
	/** Starts the stand-in of the Convox release files (CONVOX_RELEASES_URL); without it none is served. */
	releases?: ReleasesStandInOptions;
	/** `convox` is the rehearsal's stand-in (the built CLI's `__rehearsal convox`: needs `npm run build`). */
	convox?: 'rehearsal';
}

export interface StepContextOptions {
	/** The account's entries as a config file writes them, over the world's (its account id, stackName `convox-dev`, rack `dev`). */
	account?: Record<string, unknown>;
	/** Top-level config entries as a config file writes them (`binaries`, `template`, `varFiles`, ...). */
	config?: Record<string, unknown>;
	/** The account's name in the config and the run; default `dev`. */
	accountName?: string;
	/** The run's region (a rack of a fleet may have its own); default the config's, us-east-1. */
	region?: string;
	configDir?: string;
	/** Where the run is journaled; default a folder of the world's. */
	stateDir?: string;
	flags?: Partial<Flags>;
	/** Outputs of earlier steps of the run, recorded as done. */
	earlier?: {[S in StepId]?: RecordedOutputs<S>};
	/** The record of the step under test so far (a resumed attempt), over `running`. */
	record?: Partial<StepRecord>;
	/** Entries of the run besides its steps (`kind`, `rollbackOf`, `checks`, `options`, ...). */
	run?: Partial<Omit<Run, 'steps'>>;
	/** Go on with this run (the run of an earlier context: another attempt, as `resume` makes) instead of a fresh one. */
	continues?: Run;
	/** Default: a ScriptedPrompter with no answers. */
	prompt?: Prompter;
	/** The build's and checks' secrets in the environment; default the rehearsal's fake ones. */
	secrets?: Partial<Record<SecretEnvName, string>>;
	/** Added to the services' environment (the one Packer, convox and the probes get). */
	environment?: NodeJS.ProcessEnv;
	/** What the services' AWS clients sign with (keys, or a provider that renews or fails); default the world's keys. */
	credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
	/** Default the policy of the run's mode: the rehearsal's under `rehearse`, else the live one. */
	policy?: WorldPolicy;
	/** As a fleet's rack: CloudFormation calls take turns in the account-region's shared pace. */
	sharedPace?: boolean;
	/** Called with each event as the step emits it, e.g. to press Ctrl-C at the first stack event. */
	onEvent?: (event: RunEvent, interrupt: () => void) => void;
}

/** A step's real context in the world, and what the step said through it. */
export interface StepHarness {
	ctx: StepContext;
	/** Every event the step emitted, stamped as the runner stamps them (not scrubbed: what the step itself said). */
	events: RunEvent[];
	/** The run as the events made it (the runner's reducer). */
	run(): Run;
	notices(): string[];
	logLines(): string[];
	/** Ctrl-C: the handler the step registered last, else the abort of its signal. */
	interrupt(): void;
	/** The run aborted from elsewhere: its signal, whatever handler the step registered. */
	abort(): void;
}

export interface StepWorld {
	aws: AwsStandIn;
	releases?: ReleasesStandIn;
	/** A folder of this world's own (the state dir, HOME, the tools), removed by `stop`. */
	dir: string;
	accountId: string;
	/** The credentials the world's clients sign with; the AWS stand-in knows them as the world's account. */
	credentials: {accessKeyId: string; secretAccessKey: string};
	/** A step's context with the real services (createServices) over the stand-ins. */
	context(step: StepId, options?: StepContextOptions): StepHarness;
	stop(): Promise<void>;
}

const REGION = 'us-east-1';

const modeOf = (flags: Partial<Flags>): RunMode => (flags.rehearse ? 'rehearsal' : flags.dryRun ? 'dry-run' : 'live');

function freshRun(accountName: string, production: boolean, region: string, step: StepId, mode: RunMode, options: StepContextOptions): Run {
	const now = new Date().toISOString();
	const flags = options.flags ?? {};
	const steps = STEP_IDS.map((id): StepRecord => {
		const earlier = options.earlier?.[id];
		if (id === step) return {id, status: 'running', attempts: 1, outputs: {}, ...options.record};
		return earlier ? {id, status: 'done', attempts: 1, outputs: earlier} : {id, status: 'pending', attempts: 0, outputs: {}};
	});
	return {
		schemaVersion: 1,
		id: `20261125T010000Z-${accountName}`,
		kind: 'release',
		env: accountName,
		mode,
		production,
		status: 'running',
		createdAt: now,
		updatedAt: now,
		checks: [],
		history: [],
		...options.run,
		options: {region, dryRun: mode === 'dry-run', confirm: flags.confirm ?? [], yes: flags.yes ?? false, ...options.run?.options},
		steps,
	};
}

/** Starts the stand-ins a step test asks for, on loopback ports, with a folder of their own. */
async function startStepWorld(options: StepWorldOptions = {}): Promise<StepWorld> {
	const dir = await mkdtemp(path.join(tmpdir(), 'convox-ami-step-world-'));
	const accountId = options.aws?.accountId ?? '111111111111';
	const credentials = {accessKeyId: `AKIASTEPWORLD${accountId}`, secretAccessKey: 'step-world-secret-access-key'};
	const aws = await startAwsStandIn({
		stacks: [rackStackSeed({stackName: 'convox-dev', accountId})],
		...options.aws,
		accountId,
		identities: {[credentials.accessKeyId]: {accountId, arn: `arn:aws:iam::${accountId}:user/step-world`}, ...options.aws?.identities},
	});
	const releases = options.releases ? await startReleasesStandIn(options.releases) : undefined;
	const binDir = path.join(dir, 'bin');
	await mkdir(binDir);
	const convox = options.convox ? await rehearsalTool(binDir, 'convox') : undefined;

	function context(step: StepId, contextOptions: StepContextOptions = {}): StepHarness {
		const accountName = contextOptions.accountName ?? 'dev';
		const flags: Flags = {dryRun: false, rehearse: false, yes: false, confirm: [], json: false, ...contextOptions.flags};
		const mode = modeOf(flags);
		const config: Config = parseConfig(
			{
				region: REGION,
				...contextOptions.config,
				binaries: {...(convox ? {convox} : {}), ...(contextOptions.config?.binaries as object | undefined)},
				accounts: {[accountName]: {accountId, stackName: 'convox-dev', rack: 'dev', ...contextOptions.account}},
			},
			'the step world config',
		);
		const account = config.accounts[accountName]!;
		const region = contextOptions.region ?? REGION;
		const configDir = contextOptions.configDir ?? dir;
		const environment: NodeJS.ProcessEnv = {
			PATH: process.env.PATH,
			HOME: dir,
			...awsStandInEnv(aws.url),
			// The rehearsal's tools (convox, the Packer replay) sign as the world's account, as under --rehearse.
			AWS_ACCESS_KEY_ID: credentials.accessKeyId,
			AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
			...(releases ? {CONVOX_RELEASES_URL: releases.url} : {}),
			...(contextOptions.secrets ?? REHEARSAL_SECRETS),
			...contextOptions.environment,
		};
		const services: Services = {
			...createServices({
				config,
				configDir,
				account,
				region,
				environment,
				standIn: {endpoint: aws.url, credentials: contextOptions.credentials ?? credentials},
				...(contextOptions.sharedPace ? {sharedPace: true} : {}),
			}),
			policy: contextOptions.policy ?? (mode === 'rehearsal' ? REHEARSAL_POLICY : LIVE_POLICY),
		};
		let run = contextOptions.continues ?? freshRun(accountName, account.production, region, step, mode, contextOptions);
		const events: RunEvent[] = [];
		const controller = new AbortController();
		const handlers: Array<() => void> = [];
		const interrupt = () => (handlers.length > 0 ? handlers.at(-1)!() : controller.abort());
		const emit = (input: RunEventInput) => {
			const said = 'step' in input && input.step ? input : ({...input, step} as RunEventInput);
			const event = {...said, runId: run.id, at: new Date().toISOString()} as RunEvent;
			events.push(event);
			run = reduceRun(run, event);
			contextOptions.onEvent?.(event, interrupt);
		};
		const stateDir = contextOptions.stateDir ?? path.join(dir, 'state');
		const ctx: StepContext = {
			get run() {
				return run;
			},
			config,
			configDir,
			accountName,
			account,
			region,
			flags,
			services,
			secrets: createRunSecrets(services.environment),
			prompt: contextOptions.prompt ?? new ScriptedPrompter([]),
			paths: {
				stateDir,
				journal: path.join(stateDir, 'runs', `${run.id}.json`),
				packerLog: path.join(stateDir, 'runs', `${run.id}.packer.log`),
				report: path.join(stateDir, 'runs', `${run.id}.report.md`),
			},
			signal: controller.signal,
			outputs: earlier => outputsOf(run, earlier),
			emit,
			...stepVerbs(step, emit),
			interceptInterrupt(handler) {
				handlers.push(handler);
				return () => handlers.splice(handlers.indexOf(handler), 1);
			},
		};
		return {
			ctx,
			events,
			run: () => run,
			notices: () => events.flatMap(event => (event.type === 'notice' ? [event.message] : [])),
			logLines: () => events.flatMap(event => (event.type === 'log' ? [event.line] : [])),
			interrupt,
			abort: () => controller.abort(),
		};
	}

	return {
		aws,
		...(releases ? {releases} : {}),
		dir,
		accountId,
		credentials,
		context,
		async stop() {
			await Promise.all([aws.close(), releases?.close()]);
			await rm(dir, {recursive: true, force: true});
		},
	};
}

/** `start` a world in a test; every world started is stopped after each test of the file. */
export function stepWorlds(): {start(options?: StepWorldOptions): Promise<StepWorld>} {
	const started: StepWorld[] = [];
	afterEach(async () => {
		await Promise.all(started.splice(0).map(world => world.stop()));
	});
	return {
		async start(options) {
			const world = await startStepWorld(options);
			started.push(world);
			return world;
		},
	};
}
