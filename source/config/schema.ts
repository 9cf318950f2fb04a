import {z} from 'zod';
import {SECRETS} from '../core/secrets';

const accountId = z.string().regex(/^\d{12}$/, 'expected 12 digits');
const httpUrl = z.url({protocol: /^https?$/, error: 'expected an http(s) URL'});

const secretName = z.enum(SECRETS.map(secret => secret.envName) as [string, ...string[]], {
	error: `expected one of ${SECRETS.map(secret => secret.envName).join(', ')}`,
});
/** Where a secret is read from in AWS: `ssm:/path/to/parameter` or `secretsmanager:NAME` (`#key` picks a key of a JSON secret). */
const secretReferences = z.partialRecord(
	secretName,
	z.string().regex(/^(ssm:[^#\s]+|secretsmanager:[^#\s]+(#[^\s]+)?)$/, 'expected ssm:/PARAMETER or secretsmanager:NAME[#KEY]'),
);

const notifyTarget = z.discriminatedUnion('kind', [
	z.strictObject({kind: z.literal('slack'), webhookEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name')}),
	z.strictObject({kind: z.literal('webhook'), url: httpUrl}),
]);

const customCheck = z.discriminatedUnion('kind', [
	z.strictObject({
		kind: z.literal('http'),
		id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase id'),
		title: z.string().min(1),
		url: httpUrl,
		expectStatus: z.number().int().min(100).max(599).optional(),
		expectBody: z.string().optional(),
		required: z.boolean().default(true),
	}),
	z.strictObject({
		kind: z.literal('command'),
		id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase id'),
		title: z.string().min(1),
		command: z.string().min(1),
		expectExitCode: z.number().int().min(0).max(255).default(0),
		required: z.boolean().default(true),
	}),
	z.strictObject({
		kind: z.literal('manual'),
		id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase id'),
		title: z.string().min(1),
		question: z.string().min(1),
		link: httpUrl.optional(),
		required: z.boolean().default(true),
	}),
]);

/** Packer var files (`.pkrvars.hcl` or `.json`), relative to the config file, passed in order before convox-ami's own variables. */
const varFiles = z.array(z.string().regex(/\.(pkrvars\.hcl|json)$/, 'expected a .pkrvars.hcl or .json var file')).optional();

export const accountSchema = z
	.strictObject({
		profile: z.string().min(1).optional(),
		accountId,
		stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'expected a CloudFormation stack name'),
		region: z
			.string()
			.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1')
			.optional(),
		rack: z.string().min(1).optional(),
		production: z.boolean().default(false),
		helloWorldUrl: httpUrl.optional(),
		metrics: z
			.discriminatedUnion('backend', [
				z.strictObject({
					backend: z.literal('cloudwatch'),
					namespace: z.string().min(1).default('CWAgent'),
					metricName: z.string().min(1).optional(),
				}),
				z.strictObject({backend: z.literal('librato'), source: z.string().min(1).optional()}),
			])
			.optional(),
		logs: z
			.strictObject({
				backend: z.literal('sumologic').default('sumologic'),
				api: httpUrl.optional(),
				query: z.string().min(1).optional(),
				searchUrl: httpUrl.optional(),
			})
			.optional(),
		/** Legacy spelling of `metrics: {backend: 'librato', source}`. */
		librato: z.strictObject({source: z.string().min(1)}).optional(),
		/** Legacy spelling of `logs: {searchUrl}` (the manual question). */
		sumologic: z.strictObject({searchUrl: httpUrl}).optional(),
		probeTimeout: z.number().int().positive().optional(),
		stackTimeoutMinutes: z.number().int().positive().optional(),
		checks: z.array(customCheck).default([]),
		varFiles,
		secrets: secretReferences.optional(),
	})
	.superRefine((account, ctx) => {
		if (account.librato && account.metrics && account.metrics.backend !== 'librato')
			ctx.addIssue({
				code: 'custom',
				path: ['librato'],
				message: `names Librato, but metrics.backend is ${account.metrics.backend}: keep one`,
			});
		if (account.sumologic && account.logs?.searchUrl)
			ctx.addIssue({
				code: 'custom',
				path: ['sumologic'],
				message: 'the legacy sumologic.searchUrl and logs.searchUrl are both set: keep logs.searchUrl',
			});
	});

const rackName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase account name');

const fleetSchema = z.strictObject({
	waves: z.array(z.array(rackName).min(1, 'expected at least one rack in a wave')).min(1, 'expected at least one wave'),
	maxConcurrent: z.number().int().min(1, 'expected at least 1').default(1),
	failureTolerance: z.number().int().min(0, 'expected 0 or more').default(0),
});

/** Where runs are kept beyond this machine (docs/state.md); `--state s3://BUCKET/PREFIX` wins over it. */
const stateS3Schema = z.strictObject({
	bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
	prefix: z.string().default(''),
	region: z
		.string()
		.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1')
		.optional(),
	profile: z.string().min(1).optional(),
	kmsKeyId: z.string().min(1).optional(),
});

export const configSchema = z
	.strictObject({
		$schema: z.string().optional(),
		region: z
			.string()
			.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1')
			.default('us-east-1'),
		template: z.string().min(1).optional(),
		varFiles,
		binaries: z
			.strictObject({packer: z.string().min(1).optional(), convox: z.string().min(1).optional(), git: z.string().min(1).optional()})
			.default({}),
		buildInstanceTypes: z.strictObject({x86_64: z.string().min(1).optional(), arm64: z.string().min(1).optional()}).optional(),
		accounts: z
			.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase account name'), accountSchema)
			.refine(accounts => Object.keys(accounts).length > 0, 'expected at least one account'),
		fleets: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase fleet name'), fleetSchema).optional(),
		state: z.strictObject({s3: stateS3Schema}).optional(),
		secrets: secretReferences.optional(),
		notify: z.array(notifyTarget).optional(),
	})
	.superRefine((config, ctx) => {
		for (const [name, fleet] of Object.entries(config.fleets ?? {})) {
			const seen = new Map<string, number>();
			fleet.waves.forEach((wave, waveIndex) =>
				wave.forEach((rack, rackIndex) => {
					const path = ['fleets', name, 'waves', waveIndex, rackIndex];
					if (!config.accounts[rack]) ctx.addIssue({code: 'custom', path, message: `no account "${rack}"`});
					const earlier = seen.get(rack);
					if (earlier !== undefined)
						ctx.addIssue({code: 'custom', path, message: `"${rack}" is already in waves[${earlier}]: a rack belongs to one wave`});
					else seen.set(rack, waveIndex);
				}),
			);
		}
	});

export type Config = z.infer<typeof configSchema>;
export type AccountConfig = z.infer<typeof accountSchema>;
export type CustomCheck = z.infer<typeof customCheck>;
export type NotifyTarget = z.infer<typeof notifyTarget>;
