import path from 'node:path';
import {instanceRoleNotice} from '../checklist/checks/metrics';
import {loadConfig, type LoadedConfig} from '../config/load-config';
import type {AccountConfig, Config} from '../config/schema';
import {varFilePaths} from '../config/var-files';
import {buildRegionOf} from '../services/packer-build-region';
import {bundledTemplatePath, readTemplate} from '../services/packer-template';
import {isHcl2Path, readHcl2Template} from '../services/packer-template-hcl2';
import {inspectTemplate} from '../services/packer-template-inspection';
import {createReleasesService} from '../services/releases';
import {planBaseAmi} from '../convox/base-ami';
import {selectVersion} from '../convox/select-version';
import {EXIT, UsageError, type ExitCode} from '../core/errors';
import {planChecklist} from '../checklist/tables';
import {metricsOf} from '../config/observability';
import {BUILD_SECRETS, buildNeeds} from '../core/secrets';
import type {CommandInput} from './cli-options';

export interface Resolved {
	version?: string;
	/** Published versions marked required (oldest first), which Convox's rule stops at when the stack is older. */
	required?: string[];
	sourceAmi?: string;
	/** Current templates: the SSM parameters that name the base AMI per architecture. */
	ssm?: {x86_64?: string; arm64?: string};
	problem?: string;
}

interface PlanInput {
	config: Config;
	configDir: string;
	envName: string;
	account: AccountConfig;
	region: string;
	releasesUrl: string;
	pinned?: string;
	resolved: Resolved;
	/** Whether the rack's instance role may publish metrics (CloudWatch accounts). */
	instanceRole?: string;
	/** Where the template builds for this rack, when it says (a sentence). */
	buildRegion?: string;
}

const code = (text: string) => `\`${text}\``;

/** The release procedure for one account as Markdown, with what is known filled in. */
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
			return ` The builder's region reads the variable ${code(build.variable)}: the build passes \`-var ${build.variable}=${region}\` too.`;
		return undefined;
	} catch {
		return undefined;
	}
}

function renderPlan({
	config,
	configDir,
	envName,
	account,
	region,
	releasesUrl,
	pinned,
	resolved,
	instanceRole,
	buildRegion,
}: PlanInput): string {
	const template = templatePathOf(config, configDir);
	const version = resolved.version
		? `Convox **${resolved.version}**`
		: pinned
			? `Convox ${pinned}`
			: 'the newest published Convox version at run time';
	const required = resolved.required?.length ? ` (of ${resolved.required.join(', ')})` : '';
	const rule = pinned
		? "pinned; a pin that jumps over a version marked `required` after the stack's Version is asked about, and under `--yes` needs `--skip-required`"
		: `Convox's rule, as \`convox rack update\`: the first published version marked \`required\` that is newer than the stack's Version${required}, else the newest published by timestamp, branch builds skipped; ${resolved.version ?? 'the newest'} is that newest`;
	const lookup = `Mappings.RegionConfig.${region}.Ami of its formation.json`;
	const ssm = resolved.ssm
		? `the SSM parameter of the stack's DefaultAmi (default ${code(resolved.ssm.x86_64 ?? '?')}), or of DefaultAmiArm (default ${code(resolved.ssm.arm64 ?? '?')}) when the stack's InstanceType is ARM by the template's InstanceARM condition, resolved with \`ssm:GetParameter\` at run time; its architecture must fit InstanceType and a dedicated BuildInstance`
		: undefined;
	const ami = resolved.sourceAmi
		? `**${resolved.sourceAmi}**`
		: (ssm ?? `${lookup}${resolved.problem ? ` (not resolved now: ${resolved.problem.replace(/\.$/, '')})` : ''}`);
	const amiVersion = account.production
		? 'the short git SHA of the repository holding the template (clean working tree required)'
		: '`dev-<UTC timestamp>`';
	const profile = account.profile ? ` --profile ${account.profile}` : '';
	const varFiles = varFilePaths(config, account, configDir).map(code);
	const varFilesLine =
		varFiles.length > 0
			? ` Var files, passed in this order before convox-ami's own variables: ${varFiles.join(', ')}; each variable they set must be declared by the template, their values are shown (secrets masked).`
			: '';
	return [
		`## ${envName}${account.production ? ' (PRODUCTION)' : ''}`,
		'',
		`Account ${account.accountId}, region ${region}, stack ${code(account.stackName)}${account.profile ? `, profile ${code(account.profile)}` : ''}.`,
		'',
		`1. **account**: \`aws sts get-caller-identity${profile}\` must show account ${account.accountId}; nothing happens otherwise.`,
		`2. **resolve-version**: ${version} from ${code(`${releasesUrl}/versions.json`)} (${rule}); base AMI ${ami}.`,
		`3. **template**: ${code(template)}; AMI version ${amiVersion}; ${account.production ? 'the committed template must already record the base AMI as `source_ami`' : 'the base AMI is recorded as `source_ami` in the template (diff shown, confirmed)'}. The template is checked against what the build passes: undeclared variables (Packer ignores them), secrets outside \`sensitive-variables\`, the \`ReleaseRun\` tag from \`run_id\` (${account.production ? 'reported' : 'offered when missing, diff shown, confirmed'}); a template that shares the AMI (\`ami_users\`, \`ami_groups\`, \`snapshot_users\`, \`snapshot_groups\`) is refused.${varFilesLine}`,
		`4. **build**: \`packer build -machine-readable -color=false -var region=${region} -var env=${envName} -var version=<AMI version> -var convox_version=<version> -var source_ami=<base AMI> -var run_id=<run> ${BUILD_SECRETS.filter(
			secret => buildNeeds(secret, metricsOf(account).backend),
		)
			.map(secret => `-var ${secret.variable}=***`)
			.join(
				' ',
			)} ${path.basename(template)}\`.${buildRegion ?? ''} The AMI is private, encrypted and tagged \`ReleaseRun=<run>\`; a public or shared AMI fails the step.`,
		`5. **update-stack**: change set on ${code(account.stackName)} with \`TemplateURL=${releasesUrl}/<version>/formation.json\`, \`Ami=<new AMI>\`, \`Version=<version>\`, every other parameter kept (UsePreviousValue), \`CAPABILITY_IAM\`; preview, ${account.production ? 'type the stack name to confirm' : 'confirm'}, execute, watch until UPDATE_COMPLETE with the new Ami and Version (a rollback fails the run).`,
		'6. **verify**:',
		'',
		...planChecklist(account, envName => Boolean(process.env[envName])),
		'',
		...(instanceRole ? [`Instance role: ${instanceRole}`, ''] : []),
		`If verification fails: \`convox-ami rollback RUN_ID\` puts ${code(account.stackName)} back on the Ami and Version it had before the run.`,
		'',
	].join('\n');
}

async function resolveQuietly(releasesUrl: string, region: string, pinned: string | undefined): Promise<Resolved> {
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
		if (lookup.era === 'region-config') return {version, required, sourceAmi: lookup.ami};
		const defaultOf = (key: string) =>
			template.Parameters?.[key]?.Default === undefined ? undefined : String(template.Parameters[key].Default);
		return {version, required, ssm: {x86_64: defaultOf('DefaultAmi'), arm64: defaultOf('DefaultAmiArm')}};
	} catch (error) {
		return {problem: `the release files could not be read (${(error as Error).message})`};
	}
}

const INSTANCE_ROLE_TIMEOUT_MS = 15_000;

/** The instance role check (reads only), or why it could not be made: plan never fails for it. */
async function instanceRoleQuietly(loaded: LoadedConfig, account: AccountConfig, region: string): Promise<string> {
	const {createServices} = await import('../services/create-services');
	const services = createServices({config: loaded.config, configDir: loaded.dir, account, region, env: process.env});
	try {
		const {message} = await instanceRoleNotice(await services.aws(), account.stackName, AbortSignal.timeout(INSTANCE_ROLE_TIMEOUT_MS));
		return message;
	} catch (error) {
		return `not checked now (${(error as Error).message}); it needs cloudwatch:PutMetricData.`;
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
	const sections: string[] = [];
	const byRegion = new Map<string, Promise<Resolved>>();
	for (const envName of names) {
		const account = loaded.config.accounts[envName];
		if (!account)
			throw new UsageError(`No account "${envName}" in ${loaded.path}; it has ${Object.keys(loaded.config.accounts).join(', ')}.`);
		const region = input.flags.region ?? account.region ?? loaded.config.region;
		if (!byRegion.has(region)) byRegion.set(region, resolveQuietly(releasesUrl, region, input.flags.convoxVersion));
		const resolved = await byRegion.get(region)!;
		const instanceRole = metricsOf(account).backend === 'cloudwatch' ? await instanceRoleQuietly(loaded, account, region) : undefined;
		const buildRegion = await buildRegionQuietly(templatePathOf(loaded.config, loaded.dir), region);
		sections.push(
			renderPlan({
				config: loaded.config,
				configDir: loaded.dir,
				envName,
				account,
				region,
				releasesUrl,
				...(input.flags.convoxVersion ? {pinned: input.flags.convoxVersion} : {}),
				resolved,
				...(instanceRole ? {instanceRole} : {}),
				...(buildRegion ? {buildRegion} : {}),
			}),
		);
	}
	const intro =
		names.length > 1 ? `Each account is its own run; ${names.join(' → ')}, the same Convox version and base AMI in each.\n\n` : '';
	process.stdout.write(`# convox-ami release procedure\n\n${intro}${sections.join('\n')}`);
	return EXIT.ok;
}
