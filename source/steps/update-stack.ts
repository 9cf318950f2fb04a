import type {CloudFormationClient} from '@aws-sdk/client-cloudformation';
import type {EC2Client} from '@aws-sdk/client-ec2';
import {cancelUpdate} from '../services/cloudformation/cancel';
import {
	changeSetNameFor,
	createChangeSet,
	deleteChangeSet,
	executeChangeSet,
	findChangeSet,
	waitForChangeSet,
	type ChangeSetDescription,
	type WaitOptions,
} from '../services/cloudformation/change-set';
import {StackWatcher, type StackEventRecord, type WatchProgress} from '../services/cloudformation/events';
import {hasRelease, judgeOutcome, type ExpectedRelease} from '../services/cloudformation/outcome';
import {buildUpdateParameters, type UpdateParameters} from '../convox/parameters';
import {describeStack, parameterValue, readinessOf, StackNotFoundError, templateParametersOf} from '../services/cloudformation/stack';
import {pollIntervalsOf, type PollIntervals} from '../services/cloudformation/stack-status-poller';
import {imageArchitecture} from '../services/ec2-images';
import {instancesToReplace} from '../convox/instances-to-replace';
import {InterruptedError, MissingInputError, StepFailedError, UsageError, WaitingError, errorText} from '../core/errors';
import {runModeOf} from '../core/run-mode';
import type {Step, StepContext} from '../core/step';
import {inlineCode} from '../core/markdown';
import type {PlanEntry, PlanFacts} from '../core/plan-facts';
import {describeApprover, type ChangeSetPreview, type UpdateStackOutputs} from '../core/step-outputs';
import {approverOf, changeSincePreview, previewOf} from './change-set-approval';
import {formatDuration} from '../core/format-duration';
import type {TemplateParameter, StackSnapshot} from '../core/stack';

export interface UpdateStackOptions {
	/** Stack event polling (2 s growing to 10 s by default). */
	intervals?: PollIntervals;
	/** The change set waiter's delays, in seconds. */
	changeSetWait?: Pick<WaitOptions, 'minDelay' | 'maxDelay' | 'maxWaitTime'>;
	/** Overrides the account's stackTimeoutMinutes. */
	timeoutMs?: number;
	/** How long a settled status right after ExecuteChangeSet is read as "the update has not begun yet". */
	startGraceMs?: number;
}

interface Release extends ExpectedRelease {
	templateUrl: string;
}

const DEFAULT_TIMEOUT_MINUTES = 90;
/** Milliseconds between stack event polls while the stack changes (backing off to 5 times that); default 2 s growing to 10 s. */
const POLL_VARIABLE = 'CONVOX_AMI_STACK_POLL_MS';
const PROGRESS_EVERY_MS = 60_000;
const PARAMETER_VARIABLE = 'CONVOX_AMI_PARAMETER_';

class StackUpdate {
	private readonly stackName: string;
	private readonly timeoutMs: number;

	constructor(
		private readonly ctx: StepContext,
		private readonly client: CloudFormationClient,
		private readonly release: Release,
		private readonly options: UpdateStackOptions,
	) {
		this.stackName = ctx.account.stackName;
		this.timeoutMs = options.timeoutMs ?? (ctx.account.stackTimeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000;
	}

	async run(): Promise<UpdateStackOutputs> {
		const attempt = this.earlierAttempt();
		let stack = await this.describe();
		const previousOf = (snapshot: StackSnapshot): PreviousValues => ({
			amiId: attempt.previousAmi ?? parameterValue(snapshot, 'Ami') ?? '',
			version: attempt.previousVersion ?? parameterValue(snapshot, 'Version') ?? '',
		});

		if (readinessOf(stack.status) === 'update-in-progress') {
			if (attempt.changeSetName) {
				this.ctx.notice(
					'info',
					`Re-attaching to the update of ${this.stackName} that this run started (change set ${attempt.changeSetName}, ${stack.status}).`,
				);
				return this.followOurUpdate(this.watcherFor(), previousOf(stack), attempt.changeSetName);
			}
			stack = await this.watchForeignUpdate(stack);
		}
		this.assertUpdatable(stack);
		const previous = previousOf(stack);

		if (attempt.changeSetName && stack.status.startsWith('UPDATE_ROLLBACK')) {
			this.ctx.notice(
				'warn',
				`The update this run started earlier ended in ${stack.status}${stack.statusReason ? ` (${stack.statusReason})` : ''}; previewing it again.`,
			);
		} else if (attempt.changeSetName && hasRelease(stack, this.release)) {
			this.ctx.notice(
				'info',
				`The update this run started earlier is done: ${this.stackName} is ${stack.status} with Ami ${shownAmi(this.release.amiId)} and Version ${this.release.convoxVersion}.`,
			);
			return this.outputs(stack.status, previous, attempt.changeSetName);
		}

		const update = await this.parameters(stack);
		const moved = attempt.preview && changeSincePreview(attempt.preview, stack);
		if (attempt.preview && moved) {
			this.ctx.notice(
				'warn',
				`${this.stackName} changed since change set ${attempt.preview.changeSetName} was previewed (${moved}): preparing a fresh change set, which needs a fresh approval.`,
			);
			await this.discardChangeSet(attempt.preview.changeSetName);
		}
		const reused = attempt.changeSetName && !moved ? await this.reusableChangeSet(attempt.changeSetName) : undefined;
		const changeSetName = reused?.name ?? changeSetNameFor(this.ctx.run.id);
		const changeSet = reused ?? (await this.prepareChangeSet(changeSetName, update, previous));
		if (!changeSet) return this.outputs(stack.status, previous, changeSetName);

		const preview = previewOf(changeSet, stack, this.ctx.region);
		const replaced = this.preview(changeSet, update, preview.consoleUrl);
		if (runModeOf(this.ctx.run).readOnly) {
			await deleteChangeSet(this.client, this.stackName, changeSetName);
			this.ctx.notice('info', `Dry run: change set ${changeSetName} was shown and deleted; ${this.stackName} was not changed.`);
			return this.outputs(stack.status, previous, changeSetName);
		}
		if (this.ctx.run.options.until === 'preview') {
			const approvable = attempt.preview && !moved && attempt.preview.changeSetName === changeSet.name;
			if (attempt.preview && !moved && !approvable)
				this.ctx.notice(
					'warn',
					`Change set ${attempt.preview.changeSetName}, previewed earlier, is gone or no longer executable: change set ${changeSet.name} needs a fresh approval.`,
				);
			await this.approve(approvable ? attempt.preview! : preview, Boolean(approvable), replaced);
		} else await this.confirm(changeSetName, replaced);

		const watcher = new StackWatcher(this.watcherOptions({}));
		await watcher.markExisting();
		this.ctx.notice(
			'info',
			`Executing change set ${changeSetName} on ${this.stackName}: Ami ${shownAmi(previous.amiId)} → ${shownAmi(this.release.amiId)}, Version ${previous.version || '(none)'} → ${this.release.convoxVersion}.`,
		);
		await executeChangeSet(this.client, this.stackName, changeSetName);
		return this.followOurUpdate(watcher, previous, changeSetName);
	}

	/** What an attempt left in the journal before it wrote (its checkpoint), so that `resume` knows what it made. */
	private earlierAttempt(): {changeSetName?: string; previousAmi?: string; previousVersion?: string; preview?: ChangeSetPreview} {
		const {changeSetName, previousAmi, previousVersion, preview} = this.ctx.outputs('update-stack');
		return {changeSetName: changeSetName ?? undefined, previousAmi, previousVersion, preview};
	}

	private async describe(): Promise<StackSnapshot> {
		try {
			return await describeStack(this.client, this.stackName, this.ctx.signal);
		} catch (error) {
			if (error instanceof StackNotFoundError) {
				throw new UsageError(
					`Stack ${this.stackName} does not exist in account ${this.ctx.account.accountId} (${this.ctx.region}). Nothing was changed.`,
					`Check accounts.${this.ctx.accountName}.stackName and the region in the config.`,
				);
			}
			throw error;
		}
	}

	private assertUpdatable(stack: StackSnapshot): void {
		const readiness = readinessOf(stack.status);
		if (readiness === 'updatable') return;
		if (readiness === 'rollback-failed') {
			throw new StepFailedError(
				`${this.stackName} is UPDATE_ROLLBACK_FAILED: CloudFormation could not roll back an earlier update, and the stack takes no update until that rollback is finished. Nothing was changed.`,
				`Continue the rollback in the CloudFormation console (Stack actions → Continue update rollback) or with \`aws cloudformation continue-update-rollback --stack-name ${this.stackName}\`, skipping the resources that cannot roll back; then run \`convox-ami resume\`.`,
			);
		}
		throw new StepFailedError(
			`${this.stackName} is ${stack.status}${stack.statusReason ? ` (${stack.statusReason})` : ''}: it cannot be updated in this state. Nothing was changed.`,
			readiness === 'busy' || readiness === 'update-in-progress'
				? 'Wait until it settles, then run `convox-ami resume`.'
				: 'Repair the stack in the CloudFormation console first.',
		);
	}

	private async watchForeignUpdate(stack: StackSnapshot): Promise<StackSnapshot> {
		const watch = await this.ctx.prompt.confirm({
			message: `${this.stackName} is already being updated (${stack.status}), not by this run. Watch that update until it settles, then continue?`,
			remedy: '--yes',
			defaultValue: true,
		});
		if (!watch) {
			throw new StepFailedError(
				`${this.stackName} is being updated by someone else (${stack.status}). Nothing was changed.`,
				'Wait until it settles, then run `convox-ami resume`.',
			);
		}
		const {stack: settled} = await this.follow(this.watcherFor());
		this.ctx.notice('info', `The other update of ${this.stackName} settled in ${settled.status}.`);
		return settled;
	}

	private watcherFor(): StackWatcher {
		return new StackWatcher(this.watcherOptions({since: 'update-start', started: true}));
	}

	private watcherOptions({since, started}: {since?: 'update-start'; started?: boolean}) {
		let last = '';
		let lastAt = 0;
		return {
			client: this.client,
			stackName: this.stackName,
			pollerKey: `${this.ctx.account.accountId}/${this.ctx.region}`,
			since,
			started,
			intervals: this.options.intervals,
			startGraceMs: this.options.startGraceMs,
			onEvent: (event: StackEventRecord) =>
				this.ctx.emit({
					type: 'stack-event',
					resource: event.resource,
					status: event.status,
					reason: event.reason,
					timestamp: event.timestamp.toISOString(),
					resourceType: event.resourceType,
				}),
			onProgress: (progress: WatchProgress) => {
				const summary = `${progress.status}: ${progress.finished} resources finished, ${progress.inProgress} in change, ${progress.failed} failed`;
				const now = Date.now();
				if (summary === last && now - lastAt < PROGRESS_EVERY_MS) return;
				last = summary;
				lastAt = now;
				this.ctx.progress('stack update', `${summary} (${formatDuration(progress.elapsedMs)} elapsed)`);
			},
		};
	}

	private async parameters(stack: StackSnapshot): Promise<UpdateParameters> {
		const templateParameters = await this.templateParameters();
		for (const required of ['Ami', 'Version']) {
			if (!templateParameters.some(parameter => parameter.name === required)) {
				throw new StepFailedError(
					`The template ${this.release.templateUrl} has no ${required} parameter; this tool cannot roll an AMI out with it.`,
					'Pick another Convox version with --convox-version.',
				);
			}
		}
		const input = {
			stackParameters: stack.parameters,
			templateParameters,
			amiId: this.release.amiId,
			convoxVersion: this.release.convoxVersion,
		};
		let update = buildUpdateParameters(input);
		if (update.missing.length > 0) update = buildUpdateParameters({...input, given: await this.askMissing(update.missing)});
		if (update.dropped.length > 0) {
			this.ctx.notice(
				'warn',
				`The new template drops ${update.dropped.length} parameter(s) the stack has; their values will be gone: ${update.dropped.join(', ')}.`,
			);
		}
		return update;
	}

	private async templateParameters(): Promise<TemplateParameter[]> {
		const known = this.ctx.outputs('resolve-version').templateParameters;
		return known && known.length > 0 ? known : templateParametersOf(this.client, this.release.templateUrl, this.ctx.signal);
	}

	private async askMissing(missing: TemplateParameter[]): Promise<Record<string, string>> {
		const given: Record<string, string> = {};
		for (const parameter of missing) {
			const variable = `${PARAMETER_VARIABLE}${parameter.name}`;
			const fromEnvironment = this.ctx.services.environment[variable];
			if (fromEnvironment !== undefined) {
				given[parameter.name] = fromEnvironment;
				continue;
			}
			if (this.ctx.flags.yes) {
				throw new UsageError(
					`The new template adds the parameter ${parameter.name} without a default, and --yes leaves nobody to give it a value. Nothing was changed.`,
					`Set ${variable} to its value and run again.`,
				);
			}
			const message = `The new template adds the parameter ${parameter.name} without a default. Its value:`;
			const validate = (value: string) => (value === '' ? `${parameter.name} needs a value` : undefined);
			given[parameter.name] = parameter.noEcho
				? await this.ctx.prompt.secret({message, remedy: variable})
				: await this.ctx.prompt.text({message, remedy: variable, validate});
		}
		return given;
	}

	private async reusableChangeSet(name: string): Promise<ChangeSetDescription | undefined> {
		let existing = await findChangeSet(this.client, this.stackName, name);
		if (existing?.status === 'CREATE_PENDING' || existing?.status === 'CREATE_IN_PROGRESS') {
			// Preparing another now would leave this one on the stack whenever the new one is not executed.
			this.ctx.notice(
				'info',
				`Change set ${name} from the earlier attempt is still being computed (${existing.status}); waiting for it instead of preparing another.`,
			);
			await waitForChangeSet(this.client, this.stackName, name, {...this.options.changeSetWait, abortSignal: this.ctx.signal});
			existing = await findChangeSet(this.client, this.stackName, name);
		}
		if (!existing || (existing.executionStatus !== 'AVAILABLE' && existing.status !== 'FAILED')) return undefined;
		const values = new Map(existing.parameters.map(parameter => [parameter.key, parameter.value]));
		if (
			existing.status === 'CREATE_COMPLETE' &&
			values.get('Ami') === this.release.amiId &&
			values.get('Version') === this.release.convoxVersion
		) {
			this.ctx.notice('info', `Reusing change set ${name}, created by this run earlier and never executed.`);
			return existing;
		}
		await deleteChangeSet(this.client, this.stackName, name);
		this.ctx.notice(
			'info',
			`Deleted change set ${name} from an earlier attempt (${existing.status}, parameters differ); preparing a new one.`,
		);
		return undefined;
	}

	private async prepareChangeSet(
		name: string,
		update: UpdateParameters,
		previous: PreviousValues,
	): Promise<ChangeSetDescription | undefined> {
		if (!runModeOf(this.ctx.run).readOnly) {
			this.ctx.emit({
				type: 'checkpoint',
				step: 'update-stack',
				outputs: {changeSetName: name, previousAmi: previous.amiId, previousVersion: previous.version},
			});
		}
		await createChangeSet(
			this.client,
			{
				stackName: this.stackName,
				changeSetName: name,
				templateUrl: this.release.templateUrl,
				parameters: update.parameters,
				description: `convox-ami run ${this.ctx.run.id}: Ami ${this.release.amiId}, Version ${this.release.convoxVersion}`,
			},
			this.ctx.signal,
		);
		this.ctx.notice('info', `Created change set ${name} on ${this.stackName}; waiting for CloudFormation to compute it.`);
		const result = await waitForChangeSet(this.client, this.stackName, name, {...this.options.changeSetWait, abortSignal: this.ctx.signal});
		if (result.kind === 'ready') return result.changeSet;
		if (result.kind === 'gone') {
			throw new StepFailedError(
				`Change set ${name} of ${this.stackName} disappeared while CloudFormation computed it: someone deleted it, or another change set of this stack was executed meanwhile (another release at the same time?). This run changed nothing.`,
				"Look at the stack's recent events in the CloudFormation console; when nothing else is updating it, run `convox-ami resume`.",
			);
		}
		await deleteChangeSet(this.client, this.stackName, name);
		if (result.kind === 'empty') {
			this.ctx.notice(
				'info',
				`Nothing to change: CloudFormation says the stack already matches (${result.reason}). The change set was deleted.`,
			);
			return undefined;
		}
		throw new StepFailedError(
			`CloudFormation could not prepare change set ${name} for ${this.stackName}: ${result.reason}. Nothing was changed; the change set was deleted.`,
			'Fix the cause, then run `convox-ami resume`.',
		);
	}

	private preview(changeSet: ChangeSetDescription, update: UpdateParameters, consoleUrl: string): number | undefined {
		this.ctx.emit({
			type: 'change-set',
			step: 'update-stack',
			stackName: this.stackName,
			changeSetName: changeSet.name,
			consoleUrl,
			parameters: update.changes,
			changes: changeSet.changes,
			dropped: update.dropped,
		});
		const replaced = instancesToReplace(changeSet.changes, update.changes);
		const replacements = changeSet.changes.filter(change => change.replacement === 'True' || change.replacement === 'Conditional').length;
		this.ctx.notice(
			'info',
			`Change set ${changeSet.name}: ${changeSet.changes.length} resource change(s), ${replacements} with replacement; ${
				replaced === undefined ? 'every instance of the cluster' : `${replaced} instance(s)`
			} to be replaced.`,
		);
		return replaced;
	}

	/**
	 * `--until preview`: a change set shown in this process waits (exit 3) for an approval; one previewed
	 * earlier, with the stack unchanged since, is approved by --approve or --yes, or at the prompt.
	 */
	private async approve(preview: ChangeSetPreview, previewedEarlier: boolean, replaced: number | undefined): Promise<void> {
		const {flags, prompt, run} = this.ctx;
		const approved = previewedEarlier && (flags.approve || flags.yes);
		if (!approved && !(previewedEarlier && prompt.interactive)) {
			this.ctx.emit({type: 'checkpoint', step: 'update-stack', outputs: {preview}});
			throw new WaitingError(
				`Waiting for approval: change set ${preview.changeSetName} on ${this.stackName} (${preview.consoleUrl}).`,
				`Review it, then run \`convox-ami resume ${run.id} --approve\` to execute exactly that change set.`,
			);
		}
		if (!approved) await this.confirm(preview.changeSetName, replaced);
		const approval = await approverOf(this.ctx, preview.changeSetName);
		this.ctx.emit({type: 'checkpoint', step: 'update-stack', outputs: {approval}});
		this.ctx.notice('info', `Change set ${preview.changeSetName} approved by ${describeApprover(approval)} (${approval.arn}).`);
	}

	private async discardChangeSet(name: string): Promise<void> {
		if (await findChangeSet(this.client, this.stackName, name)) await deleteChangeSet(this.client, this.stackName, name);
	}

	private async confirm(changeSetName: string, replaced: number | undefined): Promise<void> {
		const instances = replaced === undefined ? 'every instance of the cluster' : `${replaced} instance(s)`;
		const go = await this.ctx.prompt.confirm({
			message: `Execute change set ${changeSetName} on ${this.stackName}? It replaces ${instances}.`,
			id: 'execute-change-set',
			remedy: '--yes',
			defaultValue: false,
		});
		if (go && this.ctx.account.production && !this.ctx.flags.yes) {
			await this.ctx.prompt.text({
				message: `${this.stackName} is a PRODUCTION stack. Type its name to update it:`,
				id: 'production-stack-name',
				remedy: '--yes',
				...(this.ctx.services.policy.prefillsProductionConfirmation ? {defaultValue: this.stackName} : {}),
				validate: value => (value.trim() === this.stackName ? undefined : `Type ${this.stackName} exactly, or press Ctrl-C to stop`),
			});
		}
		if (!go) {
			await deleteChangeSet(this.client, this.stackName, changeSetName);
			throw new InterruptedError(
				`Not executed: change set ${changeSetName} was deleted and ${this.stackName} was not changed.`,
				'Run `convox-ami resume` to preview the update again.',
			);
		}
	}

	private async followOurUpdate(watcher: StackWatcher, previous: PreviousValues, changeSetName: string): Promise<UpdateStackOutputs> {
		const {stack, cancelled} = await this.follow(watcher);
		const outcome = judgeOutcome(stack, this.release, watcher.rootCause());
		if (outcome.ok) {
			if (cancelled) this.ctx.notice('warn', `The cancel came too late: the update of ${this.stackName} had already completed.`);
			this.ctx.notice(
				'info',
				`${this.stackName} is ${stack.status} with Ami ${shownAmi(this.release.amiId)} and Version ${this.release.convoxVersion}.`,
			);
			return this.outputs(stack.status, previous, changeSetName);
		}
		if (cancelled) {
			throw new InterruptedError(
				`Cancelled the update of ${this.stackName}; it settled in ${stack.status} on Ami ${parameterValue(stack, 'Ami') || '(none)'} and Version ${parameterValue(stack, 'Version') || '(none)'}.`,
				'Run `convox-ami resume` to try the update again.',
			);
		}
		throw new StepFailedError(
			outcome.message,
			'The stack is back on its previous AMI and version. Fix the cause, then run `convox-ami resume` to try again.',
		);
	}

	/** Streams the stack until it settles; Ctrl-C asks whether to detach or cancel. */
	private async follow(watcher: StackWatcher): Promise<{stack: StackSnapshot; cancelled: boolean}> {
		const deadline = Date.now() + this.timeoutMs;
		let cancelled = false;
		for (;;) {
			const stop = new AbortController();
			const onAbort = () => stop.abort();
			this.ctx.signal.addEventListener('abort', onAbort);
			const release = this.ctx.interceptInterrupt(onAbort);
			const result = await watcher
				.watch(stop.signal, deadline)
				.catch((error: unknown) => {
					throw new StepFailedError(
						`Lost sight of the update of ${this.stackName}: ${errorText(error)}. The update goes on in CloudFormation.`,
						'Run `convox-ami resume` to re-attach (sign in again first if the credentials expired).',
					);
				})
				.finally(() => {
					release();
					this.ctx.signal.removeEventListener('abort', onAbort);
				});
			if (result.kind === 'settled') return {stack: result.stack, cancelled};
			if (result.kind === 'timed-out') {
				throw new StepFailedError(
					`${this.stackName} is still ${result.status} after ${formatDuration(this.timeoutMs)}. The update goes on in CloudFormation; this run stopped watching it.`,
					'Run `convox-ami resume` to re-attach (raise accounts.NAME.stackTimeoutMinutes for slow instance rollovers).',
				);
			}
			if (this.ctx.signal.aborted || cancelled || (await this.detachOrCancel()) === 'detach') throw this.detached(result.status);
			cancelled = await this.cancel();
		}
	}

	private async detachOrCancel(): Promise<'detach' | 'cancel'> {
		if (!this.ctx.prompt.interactive) return 'detach';
		try {
			return await this.ctx.prompt.select({
				message: `The update of ${this.stackName} goes on in CloudFormation whatever you choose here.`,
				choices: [
					{value: 'detach', label: 'Detach', hint: 'leave the update running; `convox-ami resume` re-attaches'},
					{value: 'cancel', label: 'Cancel the update', hint: 'CancelUpdateStack: CloudFormation rolls the stack back'},
				],
				remedy: '`convox-ami resume` (to re-attach)',
			});
		} catch (error) {
			if (error instanceof MissingInputError) return 'detach';
			throw error;
		}
	}

	private async cancel(): Promise<boolean> {
		try {
			await cancelUpdate(this.client, this.stackName);
		} catch (error) {
			this.ctx.notice('warn', `CancelUpdateStack was refused: ${errorText(error)}. Still watching.`);
			return false;
		}
		this.ctx.notice(
			'warn',
			`Cancel requested: CloudFormation rolls ${this.stackName} back. Streaming the rollback until it settles (Ctrl-C again detaches).`,
		);
		return true;
	}

	private detached(status: string): InterruptedError {
		return new InterruptedError(
			`Detached from the update of ${this.stackName} (${status}); it goes on in CloudFormation.`,
			'Run `convox-ami resume` to re-attach and see how it ends.',
		);
	}

	private outputs(stackStatus: string, previous: PreviousValues, changeSetName?: string): UpdateStackOutputs {
		return {
			stackStatus,
			previousAmi: previous.amiId,
			previousVersion: previous.version,
			changeSetName: changeSetName ?? null,
			completedAt: new Date().toISOString(),
		};
	}
}

/** The stack's Ami and Version before this run's update. */
type PreviousValues = {amiId: string; version: string};

/** An empty Ami parameter puts the rack on the Convox version's stock AMI. */
const shownAmi = (amiId: string) => amiId || '(empty: the stock AMI)';

/** A rollback goes back to the template of its version as published: formation.json, else rack.json. */
async function rollbackRelease(ctx: StepContext, rollbackOf: NonNullable<StepContext['run']['rollbackOf']>): Promise<Release> {
	const {url} = await ctx.services.releases.formation(rollbackOf.version, ctx.signal);
	return {amiId: rollbackOf.ami, convoxVersion: rollbackOf.version, templateUrl: url};
}

function releaseOf(ctx: StepContext): Release {
	const resolved = ctx.outputs('resolve-version');
	const build = ctx.outputs('build');
	const amiId = build.amiIds?.[ctx.region] ?? build.amiId;
	if (!resolved.convoxVersion || !resolved.templateUrl) {
		throw new StepFailedError(
			'The Convox version and its template URL are not known (the resolve-version step has no outputs).',
			'Run `convox-ami resume` to redo the earlier steps.',
		);
	}
	if (!amiId && runModeOf(ctx.run).readOnly && resolved.sourceAmi) {
		// A dry run builds nothing; the base AMI stands in so the preview shows the instance replacement the release would make.
		ctx.notice('info', `Dry run: no AMI was built, so the change set previews the base AMI ${resolved.sourceAmi} in its place.`);
		return {amiId: resolved.sourceAmi, convoxVersion: resolved.convoxVersion, templateUrl: resolved.templateUrl};
	}
	if (!amiId)
		throw new StepFailedError(
			`No AMI was built for ${ctx.region} (the build step has no outputs).`,
			'Run `convox-ami resume` to redo the build.',
		);
	return {amiId, convoxVersion: resolved.convoxVersion, templateUrl: resolved.templateUrl};
}

function pollMsFrom(environment: NodeJS.ProcessEnv): number | undefined {
	const minMs = Number(environment[POLL_VARIABLE]);
	return Number.isFinite(minMs) && minMs > 0 ? minMs : undefined;
}

function assertAccount(ctx: StepContext): void {
	const {accountId} = ctx.outputs('account');
	if (accountId !== ctx.account.accountId) {
		throw new StepFailedError(
			accountId
				? `The credentials belong to account ${accountId}, but ${ctx.accountName} is ${ctx.account.accountId}. Nothing was changed.`
				: `The account of the credentials was not verified (the account step has no outputs). Nothing was changed.`,
			'Run `convox-ami resume` to verify the account again.',
		);
	}
}

/** The AMI going onto the stack must have the architecture the rack's instances (and dedicated builder) were found to need. */
async function assertArchitecture(ctx: StepContext, ec2: EC2Client, amiId: string): Promise<void> {
	const {architecture, instanceType, buildInstance, amiSource, sourceAmi} = ctx.outputs('resolve-version');
	if (ctx.run.rollbackOf || !architecture) return;
	// A dry run previews a 2016-era base AMI in place of a build; such old images may be gone from EC2, and their architecture was never in question.
	if (amiSource === 'region-config' && amiId === sourceAmi) return;
	const actual = await imageArchitecture(ec2, amiId);
	if (actual === architecture) return;
	const needs = `${instanceType ? `InstanceType ${instanceType}` : 'the rack'}${buildInstance ? ` and BuildInstance ${buildInstance}` : ''}`;
	throw new StepFailedError(
		actual
			? `The AMI ${amiId} is ${actual}, but ${needs} need ${architecture}. Nothing was changed.`
			: `The AMI ${amiId} is not visible in account ${ctx.account.accountId} (${ctx.region}), so its architecture cannot be checked. Nothing was changed.`,
		'Build it again from the base AMI (`convox-ami release`), then update the stack.',
	);
}

/** The change set a release makes on the stack, and how it is confirmed and watched. */
function planLine({account, releasesUrl}: PlanFacts): PlanEntry {
	return {
		summary: `change set on ${inlineCode(account.stackName)} with \`TemplateURL=${releasesUrl}/<version>/formation.json\`, \`Ami=<new AMI>\`, \`Version=<version>\`, every other parameter kept (UsePreviousValue), \`CAPABILITY_IAM\`; preview, ${account.production ? 'type the stack name to confirm' : 'confirm'}, execute, watch until UPDATE_COMPLETE with the new Ami and Version (a rollback fails the run).`,
	};
}

export function createUpdateStackStep(options: UpdateStackOptions = {}): Step<'update-stack'> {
	return {
		id: 'update-stack',
		plan: planLine,
		async run(ctx) {
			assertAccount(ctx);
			const release = ctx.run.rollbackOf ? await rollbackRelease(ctx, ctx.run.rollbackOf) : releaseOf(ctx);
			const {cloudformation, ec2} = await ctx.services.aws();
			await assertArchitecture(ctx, ec2, release.amiId);
			const pollMs = pollMsFrom(ctx.services.environment);
			const intervals = options.intervals ?? (pollMs ? pollIntervalsOf(pollMs) : undefined);
			// The change set is read at the same pace as the stack (the waiter counts in seconds).
			const changeSetWait = options.changeSetWait ?? (pollMs ? {minDelay: pollMs / 1000, maxDelay: (pollMs * 5) / 1000} : undefined);
			return new StackUpdate(ctx, cloudformation, release, {
				...options,
				...(intervals ? {intervals} : {}),
				...(changeSetWait ? {changeSetWait} : {}),
			}).run();
		},
	};
}
