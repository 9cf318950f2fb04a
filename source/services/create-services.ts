import path from 'node:path';
import type {AccountConfig, Config} from '../config/schema';
import {createAwsClients, type AwsClientOptions} from './aws-clients';
import {callBudgetFor, withCallBudget} from './cloudformation/call-budget';
import {createReleasesService} from './releases';
import type {StateHandOff} from '../core/state-location';
import {LIVE_POLICY, REHEARSAL_POLICY, type AwsClients, type Services} from '../core/ports';

export interface ServiceOptions {
	config: Config;
	configDir: string;
	account: AccountConfig;
	region: string;
	environment: NodeJS.ProcessEnv;
	/** Rehearsal: the loopback stand-in every AWS client talks to, with fake credentials (keys, or a provider of them). */
	standIn?: {endpoint: string; credentials: NonNullable<AwsClientOptions['credentials']>};
	/** A fleet's racks: their CloudFormation calls share one pace per account and region. */
	sharedPace?: boolean;
	/** Awaited before every AWS call: with a shared state, the journal write that announces a change reaches it before the change is made. */
	beforeAwsCall?: () => Promise<void>;
	sharedState?: StateHandOff;
}

/** The rehearsal's AWS stand-in, as the services of an account reach it. */
export interface AccountStandIn {
	awsEndpoint: string;
	/** Fake credentials of an account: the stand-in tells accounts apart by their key id. */
	credentialsFor(accountId: string): {accessKeyId: string; secretAccessKey: string};
	/** The environment of an account's services: every endpoint is a stand-in. */
	environmentFor(accountId: string): NodeJS.ProcessEnv;
}

/** Where an account's services find AWS: the rehearsal's stand-in under --rehearse, else this process's environment. */
function awsWorldOf(rehearsal: AccountStandIn | undefined, accountId: string): Pick<ServiceOptions, 'environment' | 'standIn'> {
	if (!rehearsal) return {environment: process.env};
	return {
		environment: rehearsal.environmentFor(accountId),
		standIn: {endpoint: rehearsal.awsEndpoint, credentials: rehearsal.credentialsFor(accountId)},
	};
}

/** A binary named with a path resolves from the config's folder; a bare name is looked up on PATH. */
function binary(name: string | undefined, fallback: string, configDir: string): string {
	if (!name) return fallback;
	return name.includes('/') ? path.resolve(configDir, name) : name;
}

export function createServices({
	config,
	configDir,
	account,
	region,
	environment,
	standIn,
	sharedPace,
	beforeAwsCall,
	sharedState,
}: ServiceOptions): Services {
	let clients: Promise<AwsClients> | undefined;
	const rate = Number(environment.CONVOX_AMI_CLOUDFORMATION_RATE);
	const pace = sharedPace ? callBudgetFor(account.accountId, region, rate > 0 ? rate : undefined) : undefined;
	return {
		releases: createReleasesService(environment.CONVOX_RELEASES_URL ? {baseUrl: environment.CONVOX_RELEASES_URL} : {}),
		aws: () =>
			(clients ??= createAwsClients({
				region,
				...(standIn ? {endpoint: standIn.endpoint, credentials: standIn.credentials} : account.profile ? {profile: account.profile} : {}),
				...(beforeAwsCall ? {beforeCall: beforeAwsCall} : {}),
			}).then(created => {
				if (pace) withCallBudget(created.cloudformation, pace);
				return created;
			})),
		binaries: {
			packer: binary(config.binaries.packer, 'packer', configDir),
			convox: binary(config.binaries.convox, 'convox', configDir),
			git: binary(config.binaries.git, 'git', configDir),
		},
		// A rehearsal's tools (the convox stand-in) call the stand-in in the run's region, as the rack's API does.
		environment: standIn ? {...environment, AWS_REGION: region} : environment,
		policy: standIn ? REHEARSAL_POLICY : LIVE_POLICY,
		...(sharedState ? {sharedState} : {}),
		...(pace ? {cloudFormationTurn: () => pace.take()} : {}),
	};
}

/** An account's services in a region of a config's world: the rehearsal's stand-in under --rehearse, else this process's AWS. */
export function servicesIn(
	world: {config: Config; configDir: string; rehearsal?: AccountStandIn | undefined},
	account: AccountConfig,
	region: string,
	extra: Pick<ServiceOptions, 'sharedPace' | 'beforeAwsCall' | 'sharedState'> = {},
): Services {
	return createServices({
		config: world.config,
		configDir: world.configDir,
		account,
		region,
		...awsWorldOf(world.rehearsal, account.accountId),
		...extra,
	});
}
