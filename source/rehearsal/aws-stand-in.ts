import {readFileSync, realpathSync, renameSync, writeFileSync} from 'node:fs';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import {gunzipSync} from 'node:zlib';
import {autoScalingHandlers} from './aws/auto-scaling';
import {cloudFormationHandlers, cloudFormationWrites} from './aws/cloudformation';
import {cloudWatchHandlers, type InstanceMetricsFeed} from './aws/cloudwatch';
import {ec2Handlers} from './aws/ec2';
import {imageLifecycleHandlers} from './aws/ec2-image-lifecycle';
import {iamHandlers} from './aws/iam';
import {jsonError, ssmHandlers} from './aws/ssm';
import {secretsManagerHandlers} from './aws/secrets-manager';
import {parseQueryParams, type QueryParams} from './aws/form';
import {randomUUID} from './aws/ids';
import {AwsError, scenarios, type ImageRefusal, type RecycleBinRuleRecord, type Scenario, type StandInData} from './aws/model';
import {rackStackSeed, stockImage} from './aws/seeds';
import {
	emptyData,
	StandInState,
	stacksFromDescribeStacks,
	type ImageInput,
	type LaunchConfigurationSeed,
	type LaunchTemplateSeed,
	type LooseInstanceSeed,
	type StackSeed,
} from './aws/state';
import {errorXml, successXml, type Protocol, type XmlValue} from './aws/xml';
import {listenOnLoopback} from './loopback-server';

export {type InstanceRoleSeed} from './aws/iam-roles';
export {currentRackStackSeed, ecsAmiParameters, ecsOptimizedImages, rackStackSeed, stockImage, type RackStackOptions} from './aws/seeds';
export {StandInState, type ImageInput, type StackSeed} from './aws/state';
export {type ImageRecord, type ImageRefusal, type InstanceRecord, type Scenario, type StackRecord, type StandInData} from './aws/model';

export interface Identity {
	accountId: string;
	arn?: string;
}

export interface AwsStandInOptions {
	/** Account of callers whose access key is not in `identities`; default 111111111111. */
	accountId?: string;
	arn?: string;
	/** Per access key id (the fake credentials a client signs with), the account it belongs to. */
	identities?: Record<string, Identity>;
	/**
	 * AssumeRoleWithWebIdentity (GitHub's OIDC): the token it accepts (any non-empty one when unset) and
	 * how long the temporary credentials it hands out last; they sign as the role in the role's account.
	 */
	webIdentity?: {token?: string; durationSeconds?: number};
	/** Every call answers ExpiredToken (HTTP 403), as with expired session credentials. */
	expiredCredentials?: boolean;
	region?: string;
	stacks?: StackSeed[];
	/** Images besides the stock ECS image (which is always there). */
	images?: ImageInput[];
	/** Launch templates, each of one version naming an image. */
	launchTemplates?: LaunchTemplateSeed[];
	/** Launch configurations (Auto Scaling), each naming an image. */
	launchConfigurations?: LaunchConfigurationSeed[];
	/** DescribeLaunchConfigurations page size when the caller gives no MaxRecords; default 50 (as Auto Scaling). */
	launchConfigurationsPageSize?: number;
	/** Auto Scaling actions refused to every caller with AccessDenied, e.g. ['DescribeLaunchConfigurations']. */
	autoScalingDenied?: string[];
	/** Running instances outside any rack stack. */
	looseInstances?: LooseInstanceSeed[];
	/** SSM parameters by name, answered by GetParameter (e.g. the ECS-optimized AMI parameters). */
	ssmParameters?: Record<string, string>;
	/** SSM parameter names whose GetParameter answers AccessDeniedException. */
	ssmDenied?: string[];
	/** SSM SecureString parameters by name, decrypted by GetParameter WithDecryption. */
	ssmSecureStrings?: Record<string, string>;
	/** Secrets Manager secrets by name (SecretString), and names whose GetSecretValue answers AccessDeniedException. */
	secrets?: Record<string, string>;
	secretsDenied?: string[];
	/** IAM actions refused to every caller with AccessDenied, e.g. ['iam:SimulatePrincipalPolicy']. */
	iamDenied?: string[];
	/** Recycle Bin retention rules (answered by rbin ListRules, `POST /list-rules`). */
	recycleBinRules?: RecycleBinRuleRecord[];
	/** EC2 calls refused for one image (AccessDenied, InvalidAMIID.Unavailable, ...). */
	imageRefusals?: ImageRefusal[];
	/** Scenario of the stacks whose seed names none; default 'clean'. */
	scenario?: Scenario | Scenario[];
	/** Period of the update clock; default 1000 ms (tests: 20-50). */
	tickMs?: number;
	/** Idle ticks between two steps of a 'slow' update; default 10. */
	slowTicks?: number;
	/** How long a new change set takes to be created; default `tickMs`. */
	changeSetDelayMs?: number;
	/** DescribeStackEvents page size; default 100 (as CloudFormation). */
	eventsPageSize?: number;
	/** Stacks per page of DescribeStacks without StackName; default 100. */
	stacksPageSize?: number;
	/** Reason the failing resource gives in 'rollback' and 'rollback-failed'. */
	failureReason?: string;
	/** Image of instances of stacks whose Ami parameter is empty; default the stock image. */
	baseImageId?: string;
	/** Capabilities every update must acknowledge; default ['CAPABILITY_IAM'] (rack templates create IAM resources). */
	requiredCapabilities?: string[];
	/** CopyImage: how long a copy stays pending (default `tickMs`), the target regions where copies fail. */
	imageCopies?: {delayMs?: number; failIn?: string[]; failureReason?: string};
	/**
	 * CloudWatch: running instances publish `collectd_cpu_value` to CWAgent once they have run `delayMs`
	 * (default 3 ticks), except the silent ones; false: only what PutMetricData sent.
	 */
	instanceMetrics?: false | Partial<InstanceMetricsFeed>;
	/** GetMetricData datapoints per page; default 100,800 (as CloudWatch). */
	metricDatapointsPerPage?: number;
	/** GetMetricData's SEARCH expressions as an emulator without search takes them: answered empty, or refused (ValidationError). */
	metricSearch?: 'empty' | 'refused';
	/** Answer the first `count` calls (of `actions`, when given) with Throttling (SSM excepted). */
	throttle?: {count: number; actions?: string[]};
	/**
	 * Templates known without HTTP: given a TemplateURL, the template (JSON object) or undefined to
	 * fetch it. Lets a resumed rehearsal use a URL journaled by an earlier process.
	 */
	resolveTemplate?: (url: string) => unknown;
	/** Load the state from this file when it exists (seeds are then ignored); save it after every change. */
	stateFile?: string;
	port?: number;
}

export interface AwsCall {
	service: 'sts' | 'cloudformation' | 'ec2' | 'ssm' | 'secretsmanager' | 'iam' | 'cloudwatch' | 'autoscaling' | 'rbin' | 'unknown';
	action: string;
	params: QueryParams;
	accessKeyId?: string;
	/** The region the request was signed for (SigV4 credential scope). */
	region?: string;
	/** The error code answered, if any. */
	error?: string;
	time: string;
	/** The request's user agent: the SDK's clients, or the rehearsal's own tools (the bench tells them apart). */
	userAgent?: string;
}

export interface AwsStandIn {
	/** Base URL for AWS_ENDPOINT_URL_STS / _CLOUDFORMATION / _EC2 / _SSM / _CLOUDWATCH / _AUTO_SCALING (or a client's `endpoint`). */
	url: string;
	port: number;
	calls: AwsCall[];
	state: StandInState;
	/** Calls that change something (change sets, updates, cancels, image copies, deprecations, deregistrations). */
	writes(): AwsCall[];
	throttle(count: number, actions?: string[]): void;
	setExpiredCredentials(expired: boolean): void;
	/** Changes what instances publish by themselves from now on (e.g. silences one picked after the start). */
	setInstanceMetrics(feed: false | Partial<InstanceMetricsFeed>): void;
	close(): Promise<void>;
}

const services: Record<string, {service: AwsCall['service']; protocol: Protocol; namespace: string}> = {
	'2011-06-15': {service: 'sts', protocol: 'query', namespace: 'https://sts.amazonaws.com/doc/2011-06-15/'},
	'2010-05-15': {service: 'cloudformation', protocol: 'query', namespace: 'http://cloudformation.amazonaws.com/doc/2010-05-15/'},
	'2016-11-15': {service: 'ec2', protocol: 'ec2', namespace: 'http://ec2.amazonaws.com/doc/2016-11-15/'},
	'2010-05-08': {service: 'iam', protocol: 'query', namespace: 'https://iam.amazonaws.com/doc/2010-05-08/'},
	'2011-01-01': {service: 'autoscaling', protocol: 'query', namespace: 'http://autoscaling.amazonaws.com/doc/2011-01-01/'},
};

async function readBody(request: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) {
		chunks.push(chunk as Buffer);
	}

	// The SDK gzips large PutMetricData bodies (the operation's request compression).
	const body = Buffer.concat(chunks);
	return (request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
}

function loadData(file: string): StandInData | undefined {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch {
		return undefined;
	}

	const data = JSON.parse(text) as StandInData;
	if (data.schema !== 1) {
		throw new Error(`${file} is not an AWS stand-in state file`);
	}

	return data;
}

function saveData(file: string, data: StandInData): void {
	const temporary = `${file}.${process.pid}.tmp`;
	writeFileSync(temporary, JSON.stringify(data));
	renameSync(temporary, file);
}

/**
 * A local CloudFormation, STS, EC2, Auto Scaling, SSM, Secrets Manager and CloudWatch on 127.0.0.1 that the real AWS SDK talks to: awsQuery
 * and ec2Query requests in, the XML the SDK's deserializers expect out; SSM's, Secrets Manager's and CloudWatch's JSON protocols
 * in and out. Stack updates play out on a clock.
 */
export async function startAwsStandIn(options: AwsStandInOptions = {}): Promise<AwsStandIn> {
	const accountId = options.accountId ?? '111111111111';
	const region = options.region ?? 'us-east-1';
	const tickMs = options.tickMs ?? 1000;
	const defaultIdentity = {accountId, arn: options.arn ?? `arn:aws:iam::${accountId}:user/rehearsal`};
	const loaded = options.stateFile ? loadData(options.stateFile) : undefined;
	const data = loaded ?? emptyData(region);
	const stateFile = options.stateFile;
	let ready = false;
	const state = new StandInState(
		data,
		{
			accountId,
			baseImageId: options.baseImageId ?? stockImage.imageId!,
			slowTicks: options.slowTicks ?? 10,
			changeSetDelayMs: options.changeSetDelayMs ?? tickMs,
			...(options.failureReason ? {failureReason: options.failureReason} : {}),
			imageCopies: {...options.imageCopies, delayMs: options.imageCopies?.delayMs ?? tickMs},
		},
		() => {
			if (ready && stateFile) {
				saveData(stateFile, data);
			}
		},
	);

	if (!loaded) {
		for (const image of [stockImage, ...(options.images ?? [])]) {
			state.registerImage(image);
		}

		for (const template of options.launchTemplates ?? []) state.addLaunchTemplate(template);
		for (const configuration of options.launchConfigurations ?? []) state.addLaunchConfiguration(configuration);
		for (const instance of options.looseInstances ?? []) state.runLooseInstance(instance);
		data.ssmParameters = {...options.ssmParameters};
		if (options.ssmDenied) data.ssmDenied = [...options.ssmDenied];
		if (options.ssmSecureStrings) data.ssmSecureStrings = {...options.ssmSecureStrings};
		if (options.secrets) data.secrets = {...options.secrets};
		if (options.secretsDenied) data.secretsDenied = [...options.secretsDenied];
		if (options.iamDenied) data.iamDenied = [...options.iamDenied];
		if (options.autoScalingDenied) data.autoScalingDenied = [...options.autoScalingDenied];
		if (options.imageRefusals) data.imageRefusals = [...options.imageRefusals];
		if (options.recycleBinRules) data.recycleBinRules = [...options.recycleBinRules];
		for (const seed of options.stacks ?? []) {
			state.addStack({...(options.scenario ? {scenario: options.scenario} : {}), ...seed});
		}
	}

	ready = true;
	if (stateFile) {
		saveData(stateFile, data);
	}

	const identities: Record<string, Identity> = {...options.identities};
	const identityOf = (accessKeyId: string | undefined): Identity => (accessKeyId ? identities[accessKeyId] : undefined) ?? defaultIdentity;

	/** Temporary credentials for the role the token's holder asked for; later calls signed with them are the role's. */
	function assumeRoleWithWebIdentity(params: QueryParams): XmlValue {
		const roleArn = String(params.RoleArn ?? '');
		const token = String(params.WebIdentityToken ?? '');
		const [, , , , roleAccount = '', resource = ''] = roleArn.split(':');
		if (!/^\d{12}$/.test(roleAccount) || !resource.startsWith('role/'))
			throw new AwsError('ValidationError', `${roleArn} is not a role ARN`, 400);
		if (!token || (options.webIdentity?.token !== undefined && token !== options.webIdentity.token))
			throw new AwsError('InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider", 400);
		const sessionName = String(params.RoleSessionName ?? 'session');
		const arn = `arn:aws:sts::${roleAccount}:assumed-role/${resource.split('/').at(-1)}/${sessionName}`;
		const accessKeyId = `ASIA${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
		identities[accessKeyId] = {accountId: roleAccount, arn};
		const expiration = new Date(Date.now() + (options.webIdentity?.durationSeconds ?? 3600) * 1000);
		return {
			Credentials: {
				AccessKeyId: accessKeyId,
				SecretAccessKey: randomUUID(),
				SessionToken: `web-identity-session-${randomUUID()}`,
				Expiration: expiration.toISOString(),
			},
			AssumedRoleUser: {Arn: arn, AssumedRoleId: `AROAREHEARSAL:${sessionName}`},
			SubjectFromWebIdentityToken: 'repo:example/convox-ami:environment:production',
			Audience: 'sts.amazonaws.com',
			Provider: 'token.actions.githubusercontent.com',
		};
	}
	const calls: AwsCall[] = [];
	let throttle = {remaining: options.throttle?.count ?? 0, actions: options.throttle?.actions};
	let expiredCredentials = options.expiredCredentials ?? false;
	const metricsFeed = (feed: false | Partial<InstanceMetricsFeed> = {}): InstanceMetricsFeed | undefined =>
		feed === false
			? undefined
			: {delayMs: feed.delayMs ?? 3 * tickMs, silentInstances: feed.silentInstances ?? [], silentStacks: feed.silentStacks ?? []};
	let instanceMetrics = metricsFeed(options.instanceMetrics);
	const throttled = (action: string): boolean => {
		if (throttle.remaining <= 0 || (throttle.actions && !throttle.actions.includes(action))) return false;
		throttle.remaining--;
		return true;
	};
	const cloudFormationSettings = {
		accountId,
		region,
		eventsPageSize: options.eventsPageSize ?? 100,
		stacksPageSize: options.stacksPageSize ?? 100,
		requiredCapabilities: options.requiredCapabilities ?? ['CAPABILITY_IAM'],
		...(options.resolveTemplate ? {resolveTemplate: options.resolveTemplate} : {}),
	};

	/**
	 * SSM speaks awsJson1_1; CloudWatch awsJson1_0 in query-compatible mode, whose errors also carry their
	 * awsQuery code in `x-amzn-query-error` (the SDK names the error after it).
	 */
	function answerJson(target: string, body: string, accessKeyId: string | undefined, response: ServerResponse): void {
		const [prefix, action = ''] = target.split('.');
		const input = JSON.parse(body || '{}') as Record<string, unknown>;
		const service =
			prefix === 'AmazonSSM'
				? 'ssm'
				: prefix === 'secretsmanager'
					? 'secretsmanager'
					: prefix === 'GraniteServiceVersion20100801'
						? 'cloudwatch'
						: 'unknown';
		const call: AwsCall = {
			service,
			action,
			params: input as QueryParams,
			...(accessKeyId ? {accessKeyId} : {}),
			time: new Date().toISOString(),
		};
		calls.push(call);
		const cloudwatch = service === 'cloudwatch';
		const headers: Record<string, string> = {
			'content-type': cloudwatch ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
			'x-amzn-requestid': randomUUID(),
		};
		try {
			if (expiredCredentials) {
				throw cloudwatch
					? new AwsError('ExpiredToken', 'The security token included in the request is expired', 403)
					: new AwsError('ExpiredTokenException', 'The security token included in the request is expired', 400);
			}

			if (cloudwatch && throttled(action)) throw new AwsError('Throttling', 'Rate exceeded');
			const settings = {
				datapointsPerPage: options.metricDatapointsPerPage ?? 100_800,
				...(options.metricSearch ? {search: options.metricSearch} : {}),
				now: new Date(),
				...(instanceMetrics ? {feed: instanceMetrics} : {}),
			};
			const result = cloudwatch
				? cloudWatchHandlers[action]?.(state, input, settings)
				: service === 'ssm'
					? ssmHandlers[action]?.(state, input)
					: service === 'secretsmanager'
						? secretsManagerHandlers[action]?.(state, input, identityOf(accessKeyId).accountId)
						: undefined;
			if (!result) throw new AwsError('UnknownOperationException', `Unknown operation ${target}`);
			response.writeHead(200, headers);
			response.end(JSON.stringify(result));
		} catch (error) {
			const failure =
				error instanceof AwsError
					? error
					: new AwsError('InternalServerError', error instanceof Error ? error.message : String(error), 500);
			call.error = failure.code;
			if (cloudwatch) headers['x-amzn-query-error'] = `${failure.code};${failure.status >= 500 ? 'Receiver' : 'Sender'}`;
			response.writeHead(failure.status, headers);
			response.end(jsonError(failure));
		}
	}

	/** Recycle Bin speaks REST-JSON: `POST /list-rules` with `{"ResourceType": "EC2_IMAGE"}`. */
	function answerRecycleBin(
		body: string,
		caller: {accountId: string; region: string},
		accessKeyId: string | undefined,
		response: ServerResponse,
	): void {
		const input = JSON.parse(body || '{}') as {ResourceType?: string};
		calls.push({
			service: 'rbin',
			action: 'ListRules',
			params: input as QueryParams,
			...(accessKeyId ? {accessKeyId} : {}),
			region: caller.region,
			time: new Date().toISOString(),
		});
		const rules = (data.recycleBinRules ?? []).filter(
			rule => rule.accountId === caller.accountId && rule.region === caller.region && input.ResourceType === 'EC2_IMAGE',
		);
		response.writeHead(200, {'content-type': 'application/json', 'x-amzn-requestid': randomUUID()});
		response.end(
			JSON.stringify({
				Rules: rules.map(rule => ({
					Identifier: rule.identifier,
					Description: rule.description ?? '',
					ResourceType: 'EC2_IMAGE',
					Status: 'available',
					LockState: 'unlocked',
					RetentionPeriod: {RetentionPeriodValue: rule.retentionDays, RetentionPeriodUnit: 'DAYS'},
					ResourceTags: (rule.resourceTags ?? []).map(tag => {
						const [key, value] = tag.split('=');
						return {ResourceTagKey: key, ...(value === undefined ? {} : {ResourceTagValue: value})};
					}),
				})),
			}),
		);
	}

	async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const body = await readBody(request);
		const [, accessKeyId, signingRegion] = /Credential=([^/]+)\/(?:\d{8}\/([^/]+)\/)?/.exec(request.headers.authorization ?? '') ?? [];
		if (request.url === '/list-rules') {
			const caller = (accessKeyId ? options.identities?.[accessKeyId] : undefined) ?? defaultIdentity;
			answerRecycleBin(body, {accountId: caller.accountId, region: signingRegion ?? region}, accessKeyId, response);
			return;
		}

		const jsonTarget = request.headers['x-amz-target'];
		if (typeof jsonTarget === 'string') {
			answerJson(jsonTarget, body, accessKeyId, response);
			return;
		}

		const {action, version, params} = parseQueryParams(body);
		const identity = identityOf(accessKeyId);
		const target = services[version];
		const call: AwsCall = {
			service: target?.service ?? 'unknown',
			action,
			params,
			...(accessKeyId ? {accessKeyId} : {}),
			...(signingRegion ? {region: signingRegion} : {}),
			time: new Date().toISOString(),
			...(request.headers['user-agent'] ? {userAgent: request.headers['user-agent']} : {}),
		};
		calls.push(call);
		const protocol = target?.protocol ?? 'query';
		const namespace = target?.namespace ?? '';
		try {
			if (throttled(action)) {
				throw new AwsError('Throttling', 'Rate exceeded');
			}

			const result = await dispatch(call.service, action, version, params, identity, signingRegion ?? region);
			if (cloudFormationWrites.has(action)) {
				state.commit();
			}

			response.writeHead(200, {'content-type': 'text/xml', 'x-amzn-requestid': randomUUID()});
			response.end(successXml(protocol, namespace, action, result));
		} catch (error) {
			const failure =
				error instanceof AwsError ? error : new AwsError('InternalFailure', error instanceof Error ? error.message : String(error), 500);
			call.error = failure.code;
			response.writeHead(failure.status, {'content-type': 'text/xml'});
			response.end(errorXml(protocol, namespace, failure.code, failure.message));
		}
	}

	async function dispatch(
		service: AwsCall['service'],
		action: string,
		version: string,
		params: QueryParams,
		identity: Identity,
		callerRegion: string,
	): Promise<XmlValue> {
		if (expiredCredentials) {
			throw new AwsError('ExpiredToken', 'The security token included in the request is expired', 403);
		}

		if (service === 'sts' && action === 'AssumeRoleWithWebIdentity') return assumeRoleWithWebIdentity(params);

		if (service === 'sts' && action === 'GetCallerIdentity') {
			return {
				Arn: identity.arn ?? `arn:aws:iam::${identity.accountId}:user/rehearsal`,
				UserId: 'AIDAREHEARSAL0000000',
				Account: identity.accountId,
			};
		}

		const handler = service === 'cloudformation' ? cloudFormationHandlers[action] : undefined;
		if (handler) {
			return handler(state, params, cloudFormationSettings, {accountId: identity.accountId, region: callerRegion});
		}

		const ec2Handler = service === 'ec2' ? ec2Handlers[action] : undefined;
		if (ec2Handler) {
			return ec2Handler(state, params, {accountId: identity.accountId, region: callerRegion});
		}

		const autoScalingHandler = service === 'autoscaling' ? autoScalingHandlers[action] : undefined;
		if (autoScalingHandler) {
			const caller = {
				accountId: identity.accountId,
				arn: identity.arn ?? `arn:aws:iam::${identity.accountId}:user/rehearsal`,
				region: callerRegion,
			};
			return autoScalingHandler(state, params, caller, {launchConfigurationsPageSize: options.launchConfigurationsPageSize ?? 50});
		}

		const iamHandler = service === 'iam' ? iamHandlers[action] : undefined;
		if (iamHandler) {
			return iamHandler(state, params, identity);
		}

		throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version}`);
	}

	const server = await listenOnLoopback((request, response) => {
		answer(request, response).catch(() => response.destroy());
	}, options.port);
	const timer = setInterval(() => state.tick(), tickMs);
	timer.unref();
	return {
		url: server.url,
		port: server.port,
		calls,
		state,
		writes: () =>
			calls.filter(call => cloudFormationWrites.has(call.action) || call.action === 'CopyImage' || call.action in imageLifecycleHandlers),
		throttle(count, actions) {
			throttle = {remaining: count, actions};
		},
		setExpiredCredentials(expired) {
			expiredCredentials = expired;
		},
		setInstanceMetrics(feed) {
			instanceMetrics = metricsFeed(feed);
		},
		async close() {
			clearInterval(timer);
			await server.close();
		},
	};
}

async function main(): Promise<void> {
	const {values} = parseArgs({
		options: {
			port: {type: 'string', default: '0'},
			state: {type: 'string'},
			scenario: {type: 'string', multiple: true},
			'tick-ms': {type: 'string', default: '1000'},
			'slow-ticks': {type: 'string'},
			'change-set-delay-ms': {type: 'string'},
			'copy-delay-ms': {type: 'string'},
			'copy-fails-in': {type: 'string', multiple: true},
			'account-id': {type: 'string'},
			region: {type: 'string'},
			'stack-name': {type: 'string', multiple: true},
			stacks: {type: 'string', multiple: true},
			identity: {type: 'string', multiple: true},
		},
	});
	const chosen = (values.scenario ?? []) as Scenario[];
	const unknown = chosen.filter(scenario => !scenarios.includes(scenario));
	if (unknown.length > 0) {
		throw new Error(`Unknown scenario ${unknown.join(', ')}; expected one of ${scenarios.join(', ')}`);
	}

	const identities = Object.fromEntries(
		(values.identity ?? []).map(entry => {
			const match = /^([^=]+)=(\d{12})(?::(.+))?$/.exec(entry);
			if (!match) {
				throw new Error(`--identity expects ACCESS_KEY_ID=ACCOUNT_ID[:ARN], got ${entry}`);
			}

			return [match[1]!, {accountId: match[2]!, ...(match[3] ? {arn: match[3]} : {})}];
		}),
	);
	const fromFiles = (values.stacks ?? []).flatMap(file => stacksFromDescribeStacks(JSON.parse(readFileSync(file, 'utf8'))));
	const accountId = values['account-id'];
	const region = values.region;
	const rackStacks = (values['stack-name'] ?? (fromFiles.length > 0 ? [] : ['convox'])).map(stackName =>
		rackStackSeed({stackName, ...(accountId ? {accountId} : {}), ...(region ? {region} : {})}),
	);
	const standIn = await startAwsStandIn({
		port: Number(values.port),
		tickMs: Number(values['tick-ms']),
		...(values['slow-ticks'] ? {slowTicks: Number(values['slow-ticks'])} : {}),
		...(values['change-set-delay-ms'] ? {changeSetDelayMs: Number(values['change-set-delay-ms'])} : {}),
		imageCopies: {
			...(values['copy-delay-ms'] ? {delayMs: Number(values['copy-delay-ms'])} : {}),
			...(values['copy-fails-in'] ? {failIn: values['copy-fails-in']} : {}),
		},
		...(accountId ? {accountId} : {}),
		...(region ? {region} : {}),
		...(values.state ? {stateFile: values.state} : {}),
		...(chosen.length > 0 ? {scenario: chosen} : {}),
		identities,
		stacks: [...rackStacks, ...fromFiles],
	});
	process.stdout.write(`${JSON.stringify({url: standIn.url, port: standIn.port, pid: process.pid})}\n`);
	const stop = () => {
		void standIn.close().then(() => process.exit(0));
	};

	process.once('SIGTERM', stop);
	process.once('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
	main().catch((error: unknown) => {
		process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
		process.exit(2);
	});
}
