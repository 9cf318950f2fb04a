import {instanceRoleNotice} from '../checklist/checks/metrics';
import type {LoadedConfig} from '../config/load-config';
import {metricsOf} from '../config/observability';
import type {AccountConfig} from '../config/schema';
import {planBaseAmi} from '../convox/base-ami';
import {selectVersion} from '../convox/select-version';
import {UsageError, errorText} from '../core/errors';
import {inlineCode} from '../core/markdown';
import type {PlanFacts, ResolvedRelease} from '../core/plan-facts';
import {buildRegionOf} from '../services/packer-build-region';
import {configuredTemplatePath, readTemplate} from '../services/packer-template';
import {isHcl2Path, readHcl2Template} from '../services/packer-template-hcl2';
import {inspectTemplate} from '../services/packer-template-inspection';
import {createReleasesService} from '../services/releases';

/** What `convox-ami plan` reads for each account: the config, the flags that change the release, the process environment. */
export interface PlanReading {
	loaded: LoadedConfig;
	/** `--convox-version`. */
	convoxVersion?: string;
	/** `--region`. */
	region?: string;
	environment: NodeJS.ProcessEnv;
}

/** One account's facts, and its instance role's notice (CloudWatch accounts). */
export interface AccountPlanFacts {
	facts: PlanFacts;
	instanceRole?: string;
}

/** Where the template's first AMI builder builds for a rack in `region`; undefined when the template cannot be read now. */
async function buildRegionQuietly(template: string, region: string): Promise<string | undefined> {
	try {
		const {builders} = isHcl2Path(template) ? (await readHcl2Template(template)).inspection : inspectTemplate(await readTemplate(template));
		const build = buildRegionOf(builders, region);
		if (build.hardWired)
			return ` The template's builder builds in **${build.region}** (written in it): the AMI is built there from the same base image (same owner and name) and copied to ${region} (CopyImage, encrypted, tagged with the run).`;
		if (build.variable && build.variable !== 'region')
			return ` The builder's region reads the variable ${inlineCode(build.variable)}: the build passes \`-var ${build.variable}=${region}\` too.`;
		return undefined;
	} catch {
		return undefined;
	}
}

async function resolveQuietly(releasesUrl: string, region: string, pinned: string | undefined): Promise<ResolvedRelease> {
	const releases = createReleasesService({baseUrl: releasesUrl, timeoutMs: 5000, retries: 0});
	try {
		const entries = await releases.versions();
		const required = entries
			.filter(entry => entry.required && entry.published)
			.map(entry => entry.version)
			.sort();
		let version = pinned;
		if (!version) {
			const selection = selectVersion(entries);
			if (selection.kind !== 'newest') return {problem: 'versions.json lists no published version'};
			version = selection.entry.version;
		}
		const template = (await releases.formation(version)).template;
		const lookup = planBaseAmi({template, version, region, stackValues: {}});
		if ('problem' in lookup) return {version, required, problem: lookup.problem};
		if (lookup.era === 'region-config') return {version, required, sourceAmi: lookup.amiId};
		const defaultOf = (key: string) =>
			template.Parameters?.[key]?.Default === undefined ? undefined : String(template.Parameters[key].Default);
		return {version, required, ssm: {x86_64: defaultOf('DefaultAmi'), arm64: defaultOf('DefaultAmiArm')}};
	} catch (error) {
		return {problem: `the release files could not be read (${errorText(error)})`};
	}
}

const INSTANCE_ROLE_TIMEOUT_MS = 15_000;

/** The instance role check (reads only), or why it could not be made: plan never fails for it. */
async function instanceRoleQuietly(reading: PlanReading, account: AccountConfig, region: string): Promise<string> {
	const {createServices} = await import('../services/create-services');
	const {loaded, environment} = reading;
	const services = createServices({config: loaded.config, configDir: loaded.dir, account, region, environment});
	try {
		const {message} = await instanceRoleNotice(await services.aws(), account.stackName, AbortSignal.timeout(INSTANCE_ROLE_TIMEOUT_MS));
		return message;
	} catch (error) {
		return `not checked now (${errorText(error)}); it needs cloudwatch:PutMetricData.`;
	}
}

/** Reads, without writing anything, what `plan` shows of each account; the release files once per region. */
export function planFactsReader(reading: PlanReading): (accountName: string) => Promise<AccountPlanFacts> {
	const {loaded, environment, convoxVersion} = reading;
	const releasesUrl = createReleasesService(environment.CONVOX_RELEASES_URL ? {baseUrl: environment.CONVOX_RELEASES_URL} : {}).baseUrl;
	const templatePath = configuredTemplatePath(loaded.config.template, loaded.dir);
	const byRegion = new Map<string, Promise<ResolvedRelease>>();
	return async accountName => {
		const account = loaded.config.accounts[accountName];
		if (!account)
			throw new UsageError(`No account "${accountName}" in ${loaded.path}; it has ${Object.keys(loaded.config.accounts).join(', ')}.`);
		const region = reading.region ?? account.region ?? loaded.config.region;
		if (!byRegion.has(region)) byRegion.set(region, resolveQuietly(releasesUrl, region, convoxVersion));
		const resolved = await byRegion.get(region)!;
		const instanceRole = metricsOf(account).backend === 'cloudwatch' ? await instanceRoleQuietly(reading, account, region) : undefined;
		const buildRegion = await buildRegionQuietly(templatePath, region);
		const facts: PlanFacts = {
			config: loaded.config,
			configDir: loaded.dir,
			accountName,
			account,
			region,
			releasesUrl,
			...(convoxVersion ? {pinned: convoxVersion} : {}),
			resolved,
			templatePath,
			...(buildRegion ? {buildRegion} : {}),
			knownSecret: secret => Boolean(environment[secret]),
		};
		return {facts, ...(instanceRole ? {instanceRole} : {})};
	};
}
