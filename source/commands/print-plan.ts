import path from 'node:path';
import {instanceRoleNotice} from '../checklist/checks/metrics';
import {loadConfig, type LoadedConfig} from '../config/load-config';
import type {AccountConfig, Config} from '../config/schema';
import {buildRegionOf} from '../services/packer-build-region';
import {bundledTemplatePath, readTemplate} from '../services/packer-template';
import {isHcl2Path, readHcl2Template} from '../services/packer-template-hcl2';
import {inspectTemplate} from '../services/packer-template-inspection';
import {createReleasesService} from '../services/releases';
import {planBaseAmi} from '../convox/base-ami';
import {selectVersion} from '../convox/select-version';
import {EXIT, UsageError, type ExitCode, errorText} from '../core/errors';
import {metricsOf} from '../config/observability';
import {inlineCode} from '../core/markdown';
import type {PlanFacts, ResolvedRelease} from '../core/plan-facts';
import type {StepTable} from '../core/step';
import {stepsOfKind} from '../core/step-declarations';
import {stepRegistry} from '../steps/registry';
import type {CommandInput} from './cli-options';

interface PlanInput {
	facts: PlanFacts;
	steps: StepTable;
	/** Whether the rack's instance role may publish metrics (CloudWatch accounts). */
	instanceRole?: string;
}

function templatePathOf(config: Config, configDir: string): string {
	return config.template ? path.resolve(configDir, config.template) : bundledTemplatePath();
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

/** The release steps, numbered, each with its line of the plan. */
function procedure(steps: StepTable, facts: PlanFacts): string[] {
	return stepsOfKind('release').flatMap((id, index) => {
		const {summary, details} = steps[id]!.plan(facts);
		return [`${index + 1}. **${id}**:${summary ? ` ${summary}` : ''}`, ...(details ? ['', ...details] : [])];
	});
}

/** The release procedure for one account as Markdown, with what is known filled in. */
function renderPlan({facts, steps, instanceRole}: PlanInput): string {
	const {accountName: envName, account} = facts;
	return [
		`## ${envName}${account.production ? ' (PRODUCTION)' : ''}`,
		'',
		`Account ${account.accountId}, region ${facts.region}, stack ${inlineCode(account.stackName)}${account.profile ? `, profile ${inlineCode(account.profile)}` : ''}.`,
		'',
		...procedure(steps, facts),
		'',
		...(instanceRole ? [`Instance role: ${instanceRole}`, ''] : []),
		`If verification fails: \`convox-ami rollback RUN_ID\` puts ${inlineCode(account.stackName)} back on the Ami and Version it had before the run.`,
		'',
	].join('\n');
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
async function instanceRoleQuietly(loaded: LoadedConfig, account: AccountConfig, region: string): Promise<string> {
	const {createServices} = await import('../services/create-services');
	const services = createServices({config: loaded.config, configDir: loaded.dir, account, region, environment: process.env});
	try {
		const {message} = await instanceRoleNotice(await services.aws(), account.stackName, AbortSignal.timeout(INSTANCE_ROLE_TIMEOUT_MS));
		return message;
	} catch (error) {
		return `not checked now (${errorText(error)}); it needs cloudwatch:PutMetricData.`;
	}
}

/** `convox-ami plan`: the procedure a run would follow, as Markdown, for review before a release. */
export async function printPlan(input: CommandInput): Promise<ExitCode> {
	const loaded = await loadConfig(input.configPath);
	const names = input.flags.env
		? [input.flags.env]
		: Object.keys(loaded.config.accounts).sort(
				(a, b) => Number(loaded.config.accounts[a]!.production) - Number(loaded.config.accounts[b]!.production),
			);
	const releasesUrl = createReleasesService(process.env.CONVOX_RELEASES_URL ? {baseUrl: process.env.CONVOX_RELEASES_URL} : {}).baseUrl;
	const templatePath = templatePathOf(loaded.config, loaded.dir);
	const steps = await stepRegistry();
	const sections: string[] = [];
	const byRegion = new Map<string, Promise<ResolvedRelease>>();
	for (const envName of names) {
		const account = loaded.config.accounts[envName];
		if (!account)
			throw new UsageError(`No account "${envName}" in ${loaded.path}; it has ${Object.keys(loaded.config.accounts).join(', ')}.`);
		const region = input.flags.region ?? account.region ?? loaded.config.region;
		if (!byRegion.has(region)) byRegion.set(region, resolveQuietly(releasesUrl, region, input.flags.convoxVersion));
		const resolved = await byRegion.get(region)!;
		const instanceRole = metricsOf(account).backend === 'cloudwatch' ? await instanceRoleQuietly(loaded, account, region) : undefined;
		const buildRegion = await buildRegionQuietly(templatePath, region);
		const facts: PlanFacts = {
			config: loaded.config,
			configDir: loaded.dir,
			accountName: envName,
			account,
			region,
			releasesUrl,
			...(input.flags.convoxVersion ? {pinned: input.flags.convoxVersion} : {}),
			resolved,
			templatePath,
			...(buildRegion ? {buildRegion} : {}),
			knownSecret: envName => Boolean(process.env[envName]),
		};
		sections.push(renderPlan({facts, steps, ...(instanceRole ? {instanceRole} : {})}));
	}
	const intro =
		names.length > 1 ? `Each account is its own run; ${names.join(' → ')}, the same Convox version and base AMI in each.\n\n` : '';
	process.stdout.write(`# convox-ami release procedure\n\n${intro}${sections.join('\n')}`);
	return EXIT.ok;
}
