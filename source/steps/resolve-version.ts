import type {CloudFormationClient} from '@aws-sdk/client-cloudformation';
import {describeStack, parameterValue, StackNotFoundError} from '../services/cloudformation/stack';
import {imageArchitecture, imageName} from '../services/ec2-images';
import {getParameter} from '../services/ssm-parameters';
import {metricsOf} from '../config/observability';
import {amazonLinuxOf, baseEraNotice} from '../convox/amazon-linux';
import {StepFailedError, UsageError, errorText} from '../core/errors';
import type {Step, StepContext} from '../core/step';
import {inlineCode} from '../core/markdown';
import type {PlanEntry, PlanFacts} from '../core/plan-facts';
import {planBaseAmi} from '../convox/base-ami';
import {templateParameters} from '../convox/formation-ami';
import {selectVersion} from '../convox/select-version';
import type {Architecture, BaseAmiPlan} from '../core/ami';
import type {StackSnapshot} from '../core/stack';
import type {FetchedFormation, VersionEntry} from '../core/releases';
import type {ResolveVersionOutputs, VersionRule} from '../core/step-outputs';

const TEMPLATE_BODY_LIMIT = 51_200;

/** The build instance type per architecture when the config sets none (`buildInstanceTypes`). */
const DEFAULT_BUILD_INSTANCE_TYPES: Record<Architecture, string> = {x86_64: 't3.large', arm64: 't4g.large'};

async function readStack(cloudformation: CloudFormationClient, ctx: StepContext): Promise<StackSnapshot> {
	try {
		return await describeStack(cloudformation, ctx.account.stackName, ctx.signal);
	} catch (error) {
		if (error instanceof StackNotFoundError) {
			throw new UsageError(
				`The stack ${ctx.account.stackName} does not exist in account ${ctx.account.accountId} (${ctx.region}).`,
				`Check accounts.${ctx.accountName}.stackName and the region.`,
			);
		}
		ctx.signal.throwIfAborted();
		throw new StepFailedError(
			`Cannot read the stack ${ctx.account.stackName}: ${errorText(error)}`,
			'Check the network and permissions, then run `convox-ami resume`.',
		);
	}
}

interface Chosen {
	version: string;
	rule: VersionRule;
	next?: string;
}

async function confirmPastRequired(ctx: StepContext, version: string, required: VersionEntry[], stackVersion: string): Promise<void> {
	const names = required.map(entry => entry.version).join(', ');
	const what = `The pinned Convox version ${version} jumps over ${required.length === 1 ? 'the required version' : 'the required versions'} ${names} (the stack is on ${stackVersion}); \`convox rack update\` never does`;
	if (ctx.flags.yes && !ctx.flags.skipRequired) {
		throw new UsageError(
			`${what}, and --yes does not confirm that. Nothing was changed.`,
			`Release ${required[0]!.version} first (run without --convox-version), or add --skip-required to jump on purpose.`,
		);
	}
	if (!ctx.flags.yes) {
		const sure = await ctx.prompt.confirm({
			message: `${what}. Release ${version} anyway?`,
			remedy: '--yes --skip-required',
			defaultValue: false,
		});
		if (!sure)
			throw new UsageError(
				`Stopped: ${what}. Nothing was changed.`,
				`Release ${required[0]!.version} first (run without --convox-version).`,
			);
	}
	ctx.notice(
		'warn',
		`Jumping over the required Convox ${names} to ${version} (${ctx.flags.yes ? '--skip-required' : 'confirmed by the operator'}).`,
	);
}

async function chooseVersion(ctx: StepContext, entries: VersionEntry[], url: string, stackVersion: string | undefined): Promise<Chosen> {
	const pin = ctx.flags.convoxVersion ?? ctx.run.options.convoxVersion;
	const selection = selectVersion(entries, pin, stackVersion);
	switch (selection.kind) {
		case 'none-published':
			throw new UsageError(
				selection.total === 0
					? `${url} lists no versions at all.`
					: `${url} lists ${selection.total} versions, but none is a published release build.`,
				'Pin one with --convox-version V if you must, or check CONVOX_RELEASES_URL.',
			);
		case 'pinned':
			if (selection.pastRequired.length > 0)
				await confirmPastRequired(ctx, selection.entry.version, selection.pastRequired, stackVersion ?? '?');
			ctx.notice('info', `Convox ${selection.entry.version} (pinned: --convox-version, or the version a promoted release carries)`);
			return {version: selection.entry.version, rule: 'pinned'};
		case 'pinned-unknown':
		case 'pinned-unpublished': {
			const version = selection.kind === 'pinned-unknown' ? selection.version : selection.entry.version;
			const what = selection.kind === 'pinned-unknown' ? `${version} is not in ${url}` : `${version} is not published`;
			if (ctx.flags.yes)
				throw new UsageError(
					`The pinned Convox version ${what}; --yes does not confirm that.`,
					'Pin a published version, or run without --yes and confirm.',
				);
			const sure = await ctx.prompt.confirm({
				message: `The pinned Convox version ${what}. Release it anyway?`,
				remedy: '--convox-version with a published version',
				defaultValue: false,
			});
			if (!sure) throw new UsageError(`Stopped: the pinned Convox version ${what}.`, 'Pin a published version with --convox-version.');
			ctx.notice('warn', `Using Convox ${version} although ${what} (confirmed by the operator).`);
			return {version, rule: 'pinned'};
		}
		case 'required':
			if (selection.skippedBranches.length > 0)
				ctx.notice('info', `Skipped published branch builds: ${selection.skippedBranches.join(', ')}`);
			ctx.notice(
				'info',
				`Convox ${selection.entry.version}: the first version marked required after the stack's ${stackVersion} (Convox's rule). ${selection.entry.version} is required before anything newer; run again afterwards for ${selection.newest.version}.`,
			);
			return {version: selection.entry.version, rule: 'required', next: selection.newest.version};
		case 'newest':
			if (selection.convoxRule) {
				ctx.notice(
					'warn',
					`Convox's own CLI would take ${selection.convoxRule.version} (the last published entry of versions.json); taking ${selection.entry.version}, the newest published by timestamp. Pin with --convox-version to choose.`,
				);
			}
			if (selection.skippedBranches.length > 0)
				ctx.notice('info', `Skipped published branch builds: ${selection.skippedBranches.join(', ')}`);
			ctx.notice(
				'info',
				`Convox ${selection.entry.version}: the newest published version${stackVersion ? ` (no version marked required lies between the stack's ${stackVersion} and it)` : ''}`,
			);
			return {version: selection.entry.version, rule: 'newest'};
	}
}

function stackValuesOf(stack: StackSnapshot): Record<string, string> {
	return Object.fromEntries(stack.parameters.map(parameter => [parameter.key, parameter.value]));
}

/** The base AMI plan; a stack value of DefaultAmi(Arm) is compared with the default of the template the stack runs now. */
async function planFor(
	ctx: StepContext,
	formation: FetchedFormation,
	convoxVersion: string,
	stack: StackSnapshot,
	stackVersion: string | undefined,
): Promise<BaseAmiPlan> {
	const input = {template: formation.template, version: convoxVersion, region: ctx.region, stackValues: stackValuesOf(stack)};
	const plan = planBaseAmi(input);
	if ('problem' in plan) throw new UsageError(plan.problem);
	if (plan.era !== 'ssm' || !stackVersion || stackVersion === convoxVersion) return plan;
	const own = input.stackValues[plan.parameterKey];
	const newDefault = formation.template.Parameters?.[plan.parameterKey]?.Default;
	if (!own || newDefault === undefined || own === String(newDefault)) return plan;
	let current: FetchedFormation;
	try {
		current = await ctx.services.releases.formation(stackVersion, ctx.signal);
	} catch (error) {
		ctx.signal.throwIfAborted();
		ctx.notice(
			'warn',
			`Cannot read the template of the stack's ${stackVersion} (${errorText(error)}); its ${plan.parameterKey} ${own} is taken as the operator's own choice.`,
		);
		return plan;
	}
	const replanned = planBaseAmi({...input, currentTemplate: {version: stackVersion, template: current.template}});
	if ('problem' in replanned) throw new UsageError(replanned.problem);
	return replanned;
}

async function resolveSsmAmi(ctx: StepContext, plan: Extract<BaseAmiPlan, {era: 'ssm'}>): Promise<string> {
	const {ssm} = await ctx.services.aws();
	const where = `account ${ctx.account.accountId}, region ${ctx.region}`;
	let lookup;
	try {
		lookup = await getParameter(ssm, plan.parameterPath, ctx.signal);
	} catch (error) {
		ctx.signal.throwIfAborted();
		throw new StepFailedError(
			`Cannot read the SSM parameter ${plan.parameterPath} (${where}): ${errorText(error)}`,
			'Check the network and permissions, then run `convox-ami resume`.',
		);
	}
	if (lookup.kind === 'found') return lookup.value;
	const hint = `Check the stack's ${plan.parameterKey} (or the template's default) and the region; \`aws ssm get-parameter --name ${plan.parameterPath} --region ${ctx.region}\` shows what SSM answers.`;
	if (lookup.kind === 'denied')
		throw new UsageError(
			`The SSM parameter ${plan.parameterPath} cannot be read in ${where}: access denied (${lookup.message}). Nothing was changed.`,
			`Allow ssm:GetParameter on it. ${hint}`,
		);
	throw new UsageError(
		`The SSM parameter ${plan.parameterPath} does not exist in ${where} (ParameterNotFound); it names the base AMI (${plan.parameterKey}). Nothing was changed.`,
		hint,
	);
}

/** The base AMI's own architecture must fit the rack's instances and its dedicated builder, which run the same AMI. */
async function assertArchitecture(ctx: StepContext, plan: Extract<BaseAmiPlan, {era: 'ssm'}>, amiId: string): Promise<void> {
	const {ec2} = await ctx.services.aws();
	let actual: string | undefined;
	try {
		actual = await imageArchitecture(ec2, amiId);
	} catch (error) {
		ctx.signal.throwIfAborted();
		throw new StepFailedError(
			`Cannot describe the base AMI ${amiId} (account ${ctx.account.accountId}, ${ctx.region}): ${errorText(error)}`,
			'Check the network and permissions (ec2:DescribeImages), then run `convox-ami resume`.',
		);
	}
	if (!actual)
		throw new UsageError(
			`The base AMI ${amiId} that ${plan.parameterPath} names is not visible in account ${ctx.account.accountId} (${ctx.region}). Nothing was changed.`,
			'Check the SSM parameter and the region.',
		);
	if (actual !== plan.architecture) {
		throw new UsageError(
			`The base AMI ${amiId} (${plan.parameterPath}) is ${actual}, but the rack's InstanceType ${plan.instanceType} needs ${plan.architecture}. Nothing was built.`,
			`Point ${plan.parameterKey} at a parameter of a ${plan.architecture} AMI, or change InstanceType.`,
		);
	}
	if (plan.builder && plan.builder.architecture !== actual) {
		throw new UsageError(
			`The rack's dedicated builder BuildInstance ${plan.builder.instanceType} is ${plan.builder.architecture}, but it runs the same AMI as the instances, and the base AMI ${amiId} (InstanceType ${plan.instanceType}) is ${actual}. Nothing was built.`,
			`Give BuildInstance a ${actual} instance type (or InstanceType a ${plan.builder.architecture} one) with \`convox rack params set\`, then run again.`,
		);
	}
}

/** The base image's name, for its era; a base that cannot be described here is judged by the build instead. */
async function imageNameQuietly(ctx: StepContext, amiId: string): Promise<string | undefined> {
	try {
		const {ec2} = await ctx.services.aws();
		return await imageName(ec2, amiId);
	} catch {
		ctx.signal.throwIfAborted();
		return undefined;
	}
}

/** The version and base AMI a run would take, with what `plan` resolved now. */
function planLine({region, releasesUrl, pinned, resolved}: PlanFacts): PlanEntry {
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
		? `the SSM parameter of the stack's DefaultAmi (default ${inlineCode(resolved.ssm.x86_64 ?? '?')}), or of DefaultAmiArm (default ${inlineCode(resolved.ssm.arm64 ?? '?')}) when the stack's InstanceType is ARM by the template's InstanceARM condition, resolved with \`ssm:GetParameter\` at run time; its architecture must fit InstanceType and a dedicated BuildInstance`
		: undefined;
	const amiId = resolved.sourceAmi
		? `**${resolved.sourceAmi}**`
		: (ssm ?? `${lookup}${resolved.problem ? ` (not resolved now: ${resolved.problem.replace(/\.$/, '')})` : ''}`);
	return {summary: `${version} from ${inlineCode(`${releasesUrl}/versions.json`)} (${rule}); base AMI ${amiId}.`};
}

export const resolveVersionStep: Step<'resolve-version'> = {
	id: 'resolve-version',
	plan: planLine,
	async run(ctx) {
		const {releases} = ctx.services;
		const versionsUrl = `${releases.baseUrl}/versions.json`;
		const entries = await releases.versions(ctx.signal);

		const {cloudformation} = await ctx.services.aws();
		const stack = await readStack(cloudformation, ctx);
		const current = (key: string) => parameterValue(stack, key);
		const stackVersion = current('Version');
		ctx.notice(
			'info',
			`Stack ${ctx.account.stackName}: ${stack.status}, Convox ${stackVersion ?? '?'} on ${current('Ami') || 'the stock AMI'}`,
		);
		const chosen = await chooseVersion(ctx, entries, versionsUrl, stackVersion);
		const convoxVersion = chosen.version;

		const formation = await releases.formation(convoxVersion, ctx.signal);
		const plan = await planFor(ctx, formation, convoxVersion, stack, stackVersion);
		let sourceAmi: string;
		if (plan.era === 'ssm') {
			ctx.notice('info', `Base AMI: SSM parameter ${plan.parameterPath} (${plan.architecture}). ${plan.reason}.`);
			if (plan.builder)
				ctx.notice(
					'info',
					`Dedicated builder: BuildInstance ${plan.builder.instanceType} (${plan.builder.architecture}), on the same AMI.`,
				);
			sourceAmi = await resolveSsmAmi(ctx, plan);
			await assertArchitecture(ctx, plan, sourceAmi);
			ctx.notice('info', `Base AMI for ${ctx.region}: ${sourceAmi} (${plan.parameterPath}, ${plan.architecture})`);
		} else {
			sourceAmi = plan.amiId;
			ctx.notice('info', `Base AMI for ${ctx.region}: ${sourceAmi}`);
		}
		const era = baseEraNotice(
			amazonLinuxOf(plan.era === 'ssm' ? {parameterPath: plan.parameterPath} : {imageName: await imageNameQuietly(ctx, sourceAmi)}),
			metricsOf(ctx.account).backend,
		);
		if (era) ctx.notice('warn', era);
		if (formation.bytes > TEMPLATE_BODY_LIMIT) {
			ctx.notice(
				'info',
				`${formation.url.split('/').at(-1)} is ${Math.round(formation.bytes / 1024)} KB, over the 50 KB TemplateBody limit: the update goes by TemplateURL.`,
			);
		}
		const buildInstanceType = ctx.config.buildInstanceTypes?.[plan.architecture] ?? DEFAULT_BUILD_INSTANCE_TYPES[plan.architecture];
		const outputs: ResolveVersionOutputs = {
			convoxVersion,
			versionRule: chosen.rule,
			nextVersion: chosen.next ?? null,
			sourceAmi,
			amiSource: plan.era,
			amiParameter: plan.era === 'ssm' ? plan.parameterPath : null,
			architecture: plan.architecture,
			amiReason: plan.reason,
			buildInstanceType,
			instanceType: plan.era === 'ssm' ? plan.instanceType : (current('InstanceType') ?? null),
			buildInstance: plan.era === 'ssm' && plan.builder ? plan.builder.instanceType : null,
			templateUrl: formation.url,
			templateBytes: formation.bytes,
			templateParameters: templateParameters(formation.template),
			stackStatus: stack.status,
			stackParameters: stack.parameters,
			stackVersion: stackVersion ?? null,
			stackAmi: current('Ami') ?? null,
		};
		return {...outputs};
	},
};
