import {checklistItems} from '../checklist/items';
import {planChecklist} from '../checklist/tables';
import {probeTimeoutMs} from '../checklist/setup';
import {metricsOf} from '../config/observability';
import {LIBRATO_END_OF_SERVICE} from '../services/probes/librato';
import {currentCheckId} from '../core/check-ids';
import {onlyMonitoringFailed} from '../core/check-faults';
import {runChecklist, type ChecklistResult} from '../checklist/engine';
import {describeStack} from '../services/cloudformation/stack';
import {StepFailedError, WaitingError, errorText} from '../core/errors';
import {runModeOf} from '../core/run-mode';
import type {Step, StepContext} from '../core/step';
import {planBaseAmi} from '../convox/base-ami';
import {sourceAmiFor} from '../convox/formation-ami';
import {resolveTargets, type ReleaseOutputs} from './verify-targets';
import type {StackSnapshot} from '../core/stack';
import {BUILD_SECRETS, buildNeeds, CHECK_SECRETS} from '../core/secrets';

/** What this run put on the stack: a release its version and AMI, a rollback the values it went back to. */
function releaseOutputs(ctx: StepContext): ReleaseOutputs {
	const update = ctx.outputs('update-stack');
	const {rollbackOf} = ctx.run;
	if (rollbackOf)
		return {convoxVersion: rollbackOf.version, amiId: rollbackOf.ami, stackStatus: update.stackStatus, completedAt: update.completedAt};
	const version = ctx.outputs('resolve-version');
	const build = ctx.outputs('build');
	return {
		convoxVersion: version.convoxVersion,
		amiId: build.amiId,
		amiIds: build.amiIds,
		stackStatus: update.stackStatus,
		completedAt: update.completedAt,
	};
}

/**
 * With an empty Ami parameter the rack runs the version's stock AMI: its Mappings.RegionConfig in
 * 2016-era templates; in current ones the SSM parameter the template picks for the stack's
 * InstanceType, as CloudFormation resolved it at the last update (DescribeStacks' ResolvedValue).
 */
async function stockAmiOf(ctx: StepContext, version: string): Promise<string | undefined> {
	try {
		const {template} = await ctx.services.releases.formation(version, ctx.signal);
		const lookup = sourceAmiFor(template, version, ctx.region);
		if ('amiId' in lookup) return lookup.amiId;
		const {cloudformation} = await ctx.services.aws();
		const stack = await describeStack(cloudformation, ctx.account.stackName, ctx.signal, {reuse: true});
		const plan = planBaseAmi({
			template,
			version,
			region: ctx.region,
			stackValues: Object.fromEntries(stack.parameters.map(parameter => [parameter.key, parameter.value])),
		});
		if (!('era' in plan) || plan.era !== 'ssm') return undefined;
		return stack.parameters.find(parameter => parameter.key === plan.parameterKey)?.resolvedValue;
	} catch {
		return undefined;
	}
}

const listed = (results: ChecklistResult[]) => results.map(result => `${result.id} (${result.detail})`).join('; ');

/** The checks read their credentials with `secrets.get`: those the config keeps in AWS are read now, once. */
async function resolveCheckSecrets(ctx: StepContext): Promise<void> {
	const backend = metricsOf(ctx.account).backend;
	const metricsSecrets = BUILD_SECRETS.filter(secret => 'onlyFor' in secret && buildNeeds(secret, backend));
	for (const {envName} of [...CHECK_SECRETS, ...metricsSecrets]) await ctx.secrets.resolve(envName);
}

export const verifyStep: Step<'verify'> = {
	id: 'verify',
	plan: ({account, knownSecret}) => ({summary: '', details: planChecklist(account, knownSecret)}),
	async run(ctx) {
		if (runModeOf(ctx.run).readOnly) {
			ctx.notice(
				'info',
				'Dry run: nothing was released, so there is nothing to verify; `convox-ami checklist` checks the rack as it is now.',
			);
			return {passed: [], failed: [], skipped: [], waiting: []};
		}
		const {cloudformation} = await ctx.services.aws();
		let stack: StackSnapshot;
		try {
			// Right after the update's watch saw it settle, that reading stands for this one.
			stack = await describeStack(cloudformation, ctx.account.stackName, ctx.signal, {reuse: true});
		} catch (error) {
			ctx.signal.throwIfAborted();
			throw new StepFailedError(
				`Could not read stack ${ctx.account.stackName} in ${ctx.region}: ${errorText(error)}`,
				'Check the account, region and stackName in the config, then run `convox-ami resume`.',
			);
		}
		const release = releaseOutputs(ctx);
		const targets = resolveTargets(stack, release, ctx.region);
		if (!targets.amiId) {
			const stock = await stockAmiOf(ctx, targets.convoxVersion);
			if (stock) targets.stockAmiId = stock;
		}
		const origin = ctx.run.rollbackOf
			? 'as rolled back by this run'
			: release.convoxVersion || release.amiId
				? 'as released by this run'
				: 'as the stack is now';
		ctx.notice(
			'info',
			`Verifying stack ${targets.stackName} (${stack.status}): Convox ${targets.convoxVersion}, AMI ${targets.amiId || `${targets.stockAmiId ?? '?'} (the stock AMI: the Ami parameter is empty)`}, ${origin}.`,
		);
		// The stock AMI has none of what ours installs: checks of its metrics and logs could only time out.
		const onStockAmi = ctx.run.rollbackOf && !targets.amiId ? {because: 'rolled back to the stock AMI'} : undefined;
		if (metricsOf(ctx.account).backend === 'librato')
			ctx.notice('warn', `Metrics are checked in Librato, as the config says. ${LIBRATO_END_OF_SERVICE}.`);
		await resolveCheckSecrets(ctx);
		const items = checklistItems({
			account: ctx.account,
			services: ctx.services,
			secrets: ctx.secrets,
			runId: ctx.run.id,
			configDir: ctx.configDir,
			targets,
			probeTimeoutMs: probeTimeoutMs(ctx.services.environment, ctx.account),
		});
		const summary = await runChecklist({
			items,
			prompt: ctx.prompt,
			emit: event => ctx.emit(event),
			yes: ctx.flags.yes,
			confirmed: [...new Set([...ctx.flags.confirm, ...ctx.run.options.confirm].map(currentCheckId))],
			previous: ctx.run.checks,
			...(onStockAmi ? {onStockAmi} : {}),
			signal: ctx.signal,
		});
		const reused = summary.results.filter(result => result.reused).map(result => result.id);
		if (reused.length > 0) {
			ctx.notice('info', `Kept from the earlier attempt: ${reused.join(', ')}.`);
		}
		const failed = summary.results.filter(result => result.status === 'fail');
		const failedRequired = failed.filter(result => result.required);
		for (const result of failed.filter(result => !result.required)) {
			ctx.notice('warn', `Optional check ${result.id} failed: ${result.detail}`);
		}
		const waiting = summary.results.filter(result => result.status === 'waiting');
		const confirmFlags = waiting.map(result => `--confirm ${result.id}`).join(' ');
		if (failedRequired.length > 0) {
			const rollback =
				ctx.run.kind === 'release' && !onlyMonitoringFailed(summary.results)
					? ` (or \`convox-ami rollback ${ctx.run.id}\` puts back the previous AMI)`
					: '';
			const alsoWaiting = waiting.length > 0 ? ` Still to confirm: ${waiting.map(result => result.id).join(', ')}.` : '';
			throw new StepFailedError(
				`Verification failed: ${listed(failedRequired)}.${alsoWaiting}`,
				`Fix the cause, then \`convox-ami resume ${ctx.run.id}\` re-runs only the checks that did not pass${rollback}.`,
			);
		}
		if (waiting.length > 0) {
			throw new WaitingError(
				`Waiting for manual confirmation: ${waiting.map(result => `${result.id} (${result.title})`).join(', ')}.`,
				`Check them by hand, then run \`convox-ami resume ${ctx.run.id} --yes ${confirmFlags}\`, or answer them interactively with \`convox-ami resume ${ctx.run.id}\`.`,
			);
		}
		return {
			passed: summary.passed,
			failed: summary.failed,
			skipped: summary.skipped,
			waiting: summary.waiting,
			stackStatus: stack.status,
			convoxVersion: targets.convoxVersion,
			amiId: targets.amiId,
		};
	},
};
