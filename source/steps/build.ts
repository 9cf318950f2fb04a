import {appendFile, mkdir} from 'node:fs/promises';
import path from 'node:path';
import type {EC2Client} from '@aws-sdk/client-ec2';
import {AmiCopiesError, copyAmiToRegions} from '../services/ami-copies';
import {describeImage, findImagesByRun, launchPermissions, waitForImage} from '../services/ec2-images';
import {
	findPackerLeftovers,
	findRunLeftovers,
	leftoverCommands,
	removePackerLeftovers,
	type PackerLeftover,
} from '../services/packer-leftovers';
import {passableVariables} from '../services/packer-template-hcl2';
import {serveCredentials, type CredentialsEndpoint} from '../services/packer/credentials-endpoint';
import type {PackerAws} from '../services/packer/environment';
import {keeperElsewhere, readKeeperRecord} from '../services/packer/keeper';
import {isRunning, signalPackerGroup, type PackerProcess} from '../services/packer/orphan';
import type {PackerOutputEvent} from '../services/packer/output';
import type {BuildResources} from '../services/packer/phases';
import {
	followPackerBuild,
	formatPackerCommand,
	KEEPER_COMMAND,
	packerFilesOf,
	runPackerValidate,
	startPackerBuild,
	type FollowedBuild,
	type PackerBuild,
	type PackerFiles,
	type PackerInvocation,
	type PackerResult,
	type PackerSecret,
} from '../services/packer/runner';
import {removeVarFileFolder} from '../services/packer/var-file';
import {secretValuesIn} from '../services/packer/var-files';
import {optionalVariables} from '../core/packer-variables';
import type {AwsClients} from '../core/ports';
import {InterruptedError, MissingInputError, StepFailedError, UsageError, errorText} from '../core/errors';
import {formatAge} from '../core/format-duration';
import {runModeOf} from '../core/run-mode';
import {BUILD_SECRETS, buildNeeds} from '../core/secrets';
import {metricsOf} from '../config/observability';
import type {Step, StepContext} from '../core/step';
import type {PlanEntry, PlanFacts} from '../core/plan-facts';
import type {BuildOutputs, RecordedOutputs, TemplateOutputs} from '../core/step-outputs';
import type {PrebuiltAmi} from '../core/types';

/** Temporary credentials with less life than this are named with a warning: a build may outlive them where they cannot be renewed. */
const SHORT_CREDENTIALS_MINUTES = 120;
const ERROR_LINES_SHOWN = 10;
const ERROR_LINE_CHARS = 2000;
const IMAGE_WAIT_SECONDS = 3600;

/** What the build needs from the template step; the findings may be missing from an older journal. */
type BuildTemplate = RecordedOutputs<'template'> &
	Pick<TemplateOutputs, 'templatePath' | 'amiVersion' | 'env' | 'region' | 'sourceAmi' | 'convoxVersion'>;

function templateOutputs(ctx: StepContext): BuildTemplate {
	const outputs = ctx.outputs('template');
	const {templatePath, amiVersion, env: account, sourceAmi, convoxVersion} = outputs;
	if (!templatePath || !amiVersion || !account || !sourceAmi || !convoxVersion) {
		const missing = Object.entries({templatePath, amiVersion, env: account, sourceAmi, convoxVersion})
			.filter(([, value]) => !value)
			.map(([name]) => name);
		throw new StepFailedError(
			`The template step recorded no ${missing.join(', ')}; the build cannot start without them.`,
			'Run `convox-ami resume` so that the template step runs again.',
		);
	}
	return {...outputs, templatePath, amiVersion, env: account, sourceAmi, convoxVersion, region: outputs.region || ctx.region};
}

const DRY_RUN_PLACEHOLDER = 'dry-run-placeholder';

/**
 * The build's secrets, from the run's secrets (the environment, else AWS, else a masked prompt, asked once).
 * A secret only another metrics backend needs is passed when known and not asked for, unless the
 * template requires its variable. A dry run that nobody can answer validates with a placeholder
 * instead (and says so): it builds nothing, so it need not hold the real ones.
 */
async function readSecrets(ctx: StepContext, dryRun: boolean): Promise<PackerSecret[]> {
	const secrets: PackerSecret[] = [];
	const backend = metricsOf(ctx.account).backend;
	const required = ctx.outputs('template').requiredSecrets;
	for (const secret of BUILD_SECRETS) {
		const {variable, envName, label} = secret;
		const needed = buildNeeds(secret, backend) || (required?.includes(variable) ?? true);
		let value = await ctx.secrets.resolve(envName);
		if (!value && !needed) continue;
		if (!value) {
			try {
				value = await ctx.secrets.obtain(envName, ctx.prompt);
			} catch (error) {
				if (!dryRun || !(error instanceof MissingInputError)) throw error;
				ctx.notice('warn', `${envName} is not set: the dry run validates with a placeholder; a live build needs it.`);
				value = DRY_RUN_PLACEHOLDER;
			}
		}
		if (!value) throw new UsageError(`${envName} is empty; the AMI needs the ${label}.`, `Set ${envName}.`);
		secrets.push({variable, envName, value});
	}
	return secrets;
}

function clock(date: Date): string {
	return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

function indent(lines: string[]): string {
	return lines
		.slice(-ERROR_LINES_SHOWN)
		.map(line => `  ${line.length > ERROR_LINE_CHARS ? `${line.slice(0, ERROR_LINE_CHARS)}…` : line}`.replaceAll('\n', '\n  '))
		.join('\n');
}

function describeResources(resources: BuildResources): string {
	const named = [
		resources.instance && `EC2 instance ${resources.instance}`,
		resources.keyPair && `key pair ${resources.keyPair}`,
		resources.securityGroup && `security group ${resources.securityGroup}`,
		resources.ami && `AMI ${resources.ami} (possibly half-made)`,
	].filter(Boolean);
	return named.length > 0
		? named.join(', ')
		: 'whatever Packer had created so far (a source instance, a key pair and a security group named packer_…)';
}

/** The build of one run: reconcile with a previous attempt, then build (or validate under --dry-run). */
class BuildRun {
	private readonly template: BuildTemplate;
	private readonly logPath: string;
	private readonly files: PackerFiles;
	private secrets: Promise<PackerSecret[]> | undefined;
	/** Serves temporary credentials to Packer while the build runs. */
	private credentialsEndpoint: CredentialsEndpoint | undefined;

	constructor(private readonly ctx: StepContext) {
		this.template = templateOutputs(ctx);
		this.logPath = ctx.paths.packerLog;
		this.files = packerFilesOf(this.logPath);
	}

	private get dryRun(): boolean {
		return runModeOf(this.ctx.run).readOnly;
	}

	/** Where Packer builds: the rack's region, unless the template's builder names another. */
	private get buildRegion(): string {
		return this.template.buildRegion ?? this.template.region;
	}

	async run(): Promise<BuildOutputs> {
		const aws = await this.ctx.services.aws();
		try {
			return this.inRackRegion(aws, await this.buildOrAdopt(aws));
		} finally {
			await this.credentialsEndpoint?.close();
		}
	}

	/**
	 * The AMI in the rack's region: as built (or among Packer's `ami_regions`), else copied there
	 * from where the template built it, tagged with the run (a resume finds the copy, not copying twice).
	 */
	private async inRackRegion(aws: AwsClients, outputs: BuildOutputs): Promise<BuildOutputs> {
		const rackRegion = this.template.region;
		const built = outputs.amiIds[this.buildRegion];
		if (outputs.validated || !built || this.buildRegion === rackRegion) return outputs;
		const present = outputs.amiIds[rackRegion];
		if (present) return {...outputs, amiId: present};
		this.ctx.progress('copy-to-rack', `Copying ${built} from ${this.buildRegion} to ${rackRegion}`);
		let copy;
		try {
			[copy] = await copyAmiToRegions(
				async region => aws.ec2For(region),
				{region: this.buildRegion, amiId: built},
				[rackRegion],
				this.ctx.run.id,
				{
					signal: this.ctx.signal,
					onProgress: progress => this.ctx.notice('info', progress.message),
				},
			);
		} catch (error) {
			if (this.ctx.signal.aborted)
				throw new InterruptedError(`Stopped copying ${built} to ${rackRegion}.`, 'Run `convox-ami resume` to go on copying.');
			const message = error instanceof AmiCopiesError ? error.message : `Copying ${built} to ${rackRegion} failed: ${errorText(error)}`;
			throw new StepFailedError(message, 'Run `convox-ami resume`: it finds the copy made so far, or copies again.');
		}
		this.ctx.notice(
			'info',
			`${copy!.amiId} in ${rackRegion} is the copy of ${built}, built in ${this.buildRegion} where the template builds.`,
		);
		return {...outputs, amiId: copy!.amiId, amiIds: {...outputs.amiIds, [rackRegion]: copy!.amiId}};
	}

	/** EC2 where Packer builds: the run's client, unless the template builds in another region. */
	private buildEc2(aws: AwsClients): EC2Client {
		return this.buildRegion === this.template.region ? aws.ec2 : aws.ec2For(this.buildRegion);
	}

	private async buildOrAdopt(aws: AwsClients): Promise<BuildOutputs> {
		const ec2 = this.buildEc2(aws);
		if (this.triedBefore()) {
			const followed = await this.adoptInterrupted(ec2);
			if (followed) return followed;
			const reconciled = await this.reconcile(ec2);
			// Without the keeper's record no log names what a killed Packer made: its run tags do.
			const unrecorded = !readKeeperRecord(this.files.record);
			if (reconciled && unrecorded) await this.removeTaggedLeftovers();
			if (reconciled) return reconciled;
			if (unrecorded) await this.nameUnfinishedInstances(ec2);
		}
		// A var-file folder left by a process that died (at most an empty named pipe).
		removeVarFileFolder(this.files.varFileDir);
		const invocation = await this.invocation(aws);
		if (this.dryRun) return this.validate(invocation);
		const result = await this.build(invocation);
		if (Object.keys(result.amiIds).length === 0) {
			// Packer succeeded without an artifact line (a template without amazon-ebs, such as the
			// rehearsal's): the image this run tagged is the one it built.
			this.ctx.notice('info', `Packer reported no AMI artifact; looking for the image tagged ReleaseRun=${this.ctx.run.id}.`);
			const found = await this.reconcile(ec2, 'this build');
			if (found) return found;
			throw new StepFailedError(
				`Packer finished but reported no AMI (no artifact id with an ami-…), and no image is tagged ReleaseRun=${this.ctx.run.id}. Full log: ${this.logPath}`,
				'Check that the template builds with amazon-ebs, then run `convox-ami resume`.',
			);
		}
		const amiId = result.amiIds[this.buildRegion] ?? Object.values(result.amiIds)[0]!;
		await this.refuseUnlessPrivate(ec2, amiId);
		const regions = Object.entries(result.amiIds)
			.map(([region, id]) => `${id} (${region})`)
			.join(', ');
		this.ctx.notice('info', `Built ${regions}; launch permissions checked: private.`);
		return {amiId, amiIds: result.amiIds, logPath: this.logPath};
	}

	/** The runner marks the step running before it starts, and a crash leaves it running: so any record with an attempt is checked. */
	private triedBefore(): boolean {
		const record = this.ctx.run.steps.find(step => step.id === 'build');
		return Boolean(record && (record.attempts > 0 || record.status === 'running' || record.status === 'failed'));
	}

	/**
	 * The keeper of an interrupted attempt kept Packer's whole output and its record, whatever the
	 * template tags: follow a build that still runs until it ends, then adopt the AMI it produced
	 * (from its artifact, or the `AMI: ami-…` it announced) once EC2 confirms it is the account's.
	 */
	private async adoptInterrupted(ec2: EC2Client): Promise<BuildOutputs | undefined> {
		const record = readKeeperRecord(this.files.record);
		if (!record) return undefined;
		// A record from the shared state may be another machine's: its pids mean nothing here.
		const elsewhere = keeperElsewhere(record, Date.now());
		if (elsewhere === 'running') {
			throw new StepFailedError(
				`The build of this run is still running on ${record.host} (keeper pid ${record.keeper.pid}${record.packer ? `, Packer pid ${record.packer.pid}` : ''}, last heartbeat ${formatAge(record.heartbeat!, Date.now())} ago): it is not built again here.`,
				`Wait until it ends (its record reaches the state), then run \`convox-ami resume\` again, here or on ${record.host}.`,
			);
		}
		const keeperAlive = !elsewhere && record.state !== 'ended' && isRunning(record.keeper, KEEPER_COMMAND);
		const packer = record.state !== 'ended' ? record.packer : undefined;
		const packerAlive = !elsewhere && packer !== undefined && isRunning(packer);
		let stop: OrphanStop | undefined;
		if (packerAlive) {
			this.ctx.notice('warn', `Packer from the interrupted run (pid ${packer.pid}) is still building; following it until it ends.`);
			this.ctx.progress('start', `Following Packer pid ${packer.pid} (interrupted run)`);
			stop = new OrphanStop(this.ctx, packer);
		}
		let followed: FollowedBuild;
		try {
			if (packerAlive && !keeperAlive) {
				// Its keeper died with the CLI: nobody reads Packer's output any more; wait for it to end.
				while (isRunning(packer)) await new Promise(resolve => setTimeout(resolve, 1000));
			}
			followed = await followPackerBuild({files: this.files, secrets: [], fromEnd: true, onEvent: event => this.emitPackerEvent(event)});
		} finally {
			stop?.release();
		}
		const built = Object.entries(followed.amiIds)
			.map(([region, id]) => `${id} (${region})`)
			.join(', ');
		if (packerAlive) {
			const ended = `Packer from the interrupted run (pid ${packer.pid}) has ended`;
			if (built) this.ctx.notice('info', `${ended}: it built ${built}.`);
			else if (followed.cancelled) this.ctx.notice('warn', `${ended}: it cancelled the build and cleaned up what it had created.`);
			else {
				const left = followed.leftBehind;
				const leftNames =
					Object.keys(left).length > 0
						? ` Its log (${this.logPath}) shows it may have left behind in AWS: ${describeResources(left)}; check for them in the EC2 console and delete them.`
						: '';
				const errors = followed.errors.length > 0 ? `:\n${indent(followed.errors)}\n` : ' without building an AMI.';
				this.ctx.notice('warn', `${ended}${errors}${leftNames}`);
			}
			if (stop && stop.state !== 'idle' && !built) {
				throw new InterruptedError(
					`Stopped Packer from the interrupted run (pid ${packer.pid}).`,
					'Run `convox-ami resume`: it looks for the AMI first, then builds again.',
				);
			}
		}
		// The AMI Packer announced counts only when nobody saw Packer end (killed with its keeper): a
		// build Packer itself reported as failed or cancelled deregisters its AMI, or should have.
		const announced = followed.exitCode === undefined && !followed.cancelled ? followed.createdAmi : undefined;
		const amiId = followed.amiIds[this.buildRegion] ?? Object.values(followed.amiIds)[0] ?? announced;
		const adopted = amiId ? await this.adoptImage(ec2, amiId, built ? followed.amiIds : {[this.buildRegion]: amiId}) : undefined;
		// After the AMI is available: the stopped instance is its source until then.
		if (followed.exitCode === undefined) await this.removeLoggedLeftovers(followed.leftBehind);
		return adopted;
	}

	/** Asked first (a production account: its id typed too); `--yes` agrees, nobody to answer does not. */
	private async agreesToRemove(names: string): Promise<boolean> {
		const {production, accountId} = this.ctx.account;
		try {
			if (!(await this.ctx.prompt.confirm({message: `Remove ${names}?`, remedy: '--yes', defaultValue: !production}))) return false;
			if (production && !this.ctx.flags.yes) {
				await this.ctx.prompt.text({
					message: `They are in the PRODUCTION account ${accountId}. Type its id to remove them:`,
					remedy: '--yes',
					validate: value => (value.trim() === accountId ? undefined : `Type ${accountId} exactly, or press Ctrl-C to stop`),
				});
			}
			return true;
		} catch (error) {
			if (error instanceof MissingInputError) return false;
			throw error;
		}
	}

	/** What the interrupted Packer's log says it created and did not remove (the instance, the `packer_…` key pair and security group). */
	private async removeLoggedLeftovers(left: BuildResources): Promise<void> {
		const {ami: _ami, ...created} = left;
		if (Object.keys(created).length === 0) return;
		await this.removeLeftovers({
			lookedFor: describeResources(created),
			foundBy: `as its log ${this.logPath} names them`,
			find: ec2 => findPackerLeftovers(ec2, created, this.ctx.signal),
		});
	}

	/** The stopped instance carrying this run's `ReleaseRun` run tag, and the `packer_…` key pair and security group it was launched with. */
	private async removeTaggedLeftovers(): Promise<void> {
		const tag = `ReleaseRun=${this.ctx.run.id}`;
		await this.removeLeftovers({
			lookedFor: `a stopped instance tagged ${tag}`,
			foundBy: `found by its run tag ${tag}`,
			find: ec2 => findRunLeftovers(ec2, this.ctx.run.id, this.ctx.signal),
		});
	}

	/**
	 * A Packer killed before its AMI, with no record of it: the instances it launched for this run may
	 * still run (and cost). They are named with the commands that remove them, never removed here:
	 * nothing says that no Packer of this run still provisions one on another machine.
	 */
	private async nameUnfinishedInstances(ec2: EC2Client): Promise<void> {
		const region = this.buildRegion;
		let leftovers;
		try {
			leftovers = await findRunLeftovers(ec2, this.ctx.run.id, this.ctx.signal, ['pending', 'running', 'stopping', 'stopped']);
		} catch (error) {
			this.ctx.signal.throwIfAborted();
			this.ctx.notice(
				'warn',
				`Could not look for instances an earlier attempt of this run left (tagged ReleaseRun=${this.ctx.run.id}, in ${region}): ${errorText(error)}. Check the EC2 console.`,
			);
			return;
		}
		if (leftovers.length === 0) return;
		this.ctx.notice(
			'warn',
			`An earlier attempt of this run left ${leftovers.map(leftover => leftover.label).join(', ')} in ${region} (tagged ReleaseRun=${this.ctx.run.id}, no AMI made). This attempt builds again; once no Packer of this run is running anywhere, remove them: ${leftoverCommands(region, leftovers).join('; ')}`,
		);
	}

	/**
	 * A Packer killed with its keeper never cleaned up: what it made and EC2 still has is named, and
	 * removed when the operator agrees (or --yes). Only what `find` looks up by this build's ids,
	 * names or run tag, so nothing of another build is touched; a refusal is reported and the release goes on.
	 */
	private async removeLeftovers({
		lookedFor,
		foundBy,
		find,
	}: {
		lookedFor: string;
		foundBy: string;
		find: (ec2: EC2Client) => Promise<PackerLeftover[]>;
	}): Promise<void> {
		const region = this.buildRegion;
		const ec2 = this.buildEc2(await this.ctx.services.aws());
		let leftovers;
		try {
			leftovers = await find(ec2);
		} catch (error) {
			this.ctx.signal.throwIfAborted();
			this.ctx.notice(
				'warn',
				`Could not look for what the interrupted Packer left behind (${lookedFor}, in ${region}): ${errorText(error)}. Check the EC2 console.`,
			);
			return;
		}
		if (leftovers.length === 0) return;
		const names = leftovers.map(leftover => leftover.label).join(', ');
		this.ctx.notice('warn', `The interrupted Packer left behind in ${region}: ${names} (${foundBy}).`);
		const byHand = (remaining: typeof leftovers) => leftoverCommands(region, remaining).join('; ');
		if (this.dryRun) {
			this.ctx.notice('info', `Dry run: nothing removed. A release removes them (asking first), or: ${byHand(leftovers)}`);
			return;
		}
		const agreed = await this.agreesToRemove(names);
		if (!agreed) {
			this.ctx.notice('warn', `Left in place: ${names}. Remove them with: ${byHand(leftovers)}`);
			return;
		}
		const results = await removePackerLeftovers(ec2, leftovers, this.ctx.signal);
		const removed = results.filter(result => !result.error).map(result => result.leftover.label);
		if (removed.length > 0) this.ctx.notice('warn', `Removed what the interrupted Packer left behind: ${removed.join(', ')}.`);
		for (const {leftover, error} of results) {
			if (error) this.ctx.notice('warn', `Could not remove ${leftover.label}: ${error}. Remove it with: ${byHand([leftover])}`);
		}
	}

	/** An AMI the interrupted build produced, adopted only when EC2 shows it exists in this account (waiting while it is pending). */
	private async adoptImage(ec2: EC2Client, amiId: string, amiIds: Record<string, string>): Promise<BuildOutputs | undefined> {
		let image;
		try {
			image = await describeImage(ec2, amiId);
		} catch (error) {
			throw new StepFailedError(
				`Could not look up AMI ${amiId} of the interrupted build (DescribeImages): ${errorText(error)}`,
				'Check the network and the credentials, then run `convox-ami resume`.',
			);
		}
		const accountId = this.ctx.account.accountId;
		if (!image) {
			this.ctx.notice('warn', `The interrupted build announced AMI ${amiId}, but EC2 does not know it; it is not used.`);
			return undefined;
		}
		if (image.ownerId !== accountId) {
			this.ctx.notice(
				'warn',
				`AMI ${amiId} of the interrupted build belongs to account ${image.ownerId ?? '(unknown)'}, not ${accountId}; it is not used.`,
			);
			return undefined;
		}
		if (image.state === 'pending') {
			this.ctx.notice('info', `AMI ${amiId} from the interrupted build is still pending; waiting for it instead of building again.`);
			this.ctx.progress('wait-ami', `Waiting for ${amiId} (interrupted build)`);
			try {
				await waitForImage(ec2, amiId, {maxWaitSeconds: IMAGE_WAIT_SECONDS, signal: this.ctx.signal});
			} catch (error) {
				if (this.ctx.signal.aborted)
					throw new InterruptedError(`Stopped waiting for AMI ${amiId}.`, 'Run `convox-ami resume` to wait again.');
				throw new StepFailedError(
					`AMI ${amiId} from the interrupted build did not become available: ${errorText(error)}`,
					'Deregister it if it failed, then run `convox-ami resume` to build again.',
				);
			}
		} else if (image.state !== 'available') {
			this.ctx.notice('warn', `AMI ${amiId} from the interrupted build is ${image.state}; it is not used.`);
			return undefined;
		}
		await this.refuseUnlessPrivate(ec2, amiId);
		this.ctx.notice(
			'info',
			`Adopted AMI ${amiId} (${this.buildRegion}), built by the interrupted build (its keeper kept the output): not building again.`,
		);
		return {amiId, amiIds, logPath: this.logPath, adopted: true};
	}

	private async reconcile(ec2: EC2Client, builtBy = 'an earlier attempt of this run'): Promise<BuildOutputs | undefined> {
		const runId = this.ctx.run.id;
		let images;
		try {
			images = await findImagesByRun(ec2, runId);
		} catch (error) {
			throw new StepFailedError(
				`Could not look for an AMI of an earlier attempt (DescribeImages, tag ReleaseRun=${runId}): ${errorText(error)}`,
				'Check the network and the credentials, then run `convox-ami resume`.',
			);
		}
		const image = images.find(candidate => candidate.state === 'available') ?? images.find(candidate => candidate.state === 'pending');
		for (const other of images.filter(candidate => candidate !== image)) {
			this.ctx.notice('warn', `An earlier attempt of this run left AMI ${other.imageId} in state ${other.state}; it is not used.`);
		}
		if (!image) return undefined;
		if (image.state === 'pending') {
			this.ctx.notice(
				'info',
				`AMI ${image.imageId} from ${builtBy} is still pending in ${image.region}; waiting for it instead of building again.`,
			);
			this.ctx.progress('wait-ami', `Waiting for ${image.imageId} (earlier attempt)`);
			try {
				await waitForImage(ec2, image.imageId, {maxWaitSeconds: IMAGE_WAIT_SECONDS, signal: this.ctx.signal});
			} catch (error) {
				if (this.ctx.signal.aborted)
					throw new InterruptedError(`Stopped waiting for AMI ${image.imageId}.`, 'Run `convox-ami resume` to wait again.');
				throw new StepFailedError(
					`AMI ${image.imageId} from an earlier attempt did not become available: ${errorText(error)}`,
					'Deregister it if it failed, then run `convox-ami resume` to build again.',
				);
			}
		}
		await this.refuseUnlessPrivate(ec2, image.imageId);
		this.ctx.notice(
			'info',
			`Adopted AMI ${image.imageId} (${image.region}), built by ${builtBy}${builtBy === 'this build' ? '' : ': not building again'}.`,
		);
		return {amiId: image.imageId, amiIds: {[image.region]: image.imageId}, logPath: this.logPath, adopted: true};
	}

	private async invocation(aws: AwsClients): Promise<PackerInvocation> {
		const {templatePath, amiVersion, env: account, sourceAmi, convoxVersion, declaredVariables, regionVariable} = this.template;
		const region = this.buildRegion;
		const {buildInstanceType} = this.ctx.outputs('resolve-version');
		const optional = optionalVariables(declaredVariables, {
			instanceType: typeof buildInstanceType === 'string' ? buildInstanceType : undefined,
			metricsBackend: metricsOf(this.ctx.account).backend,
		});
		return {
			packer: this.ctx.services.binaries.packer,
			template: templatePath,
			...(this.template.varFiles ? {varFiles: this.template.varFiles} : {}),
			variables: passableVariables(
				templatePath,
				{
					source_ami: sourceAmi,
					region,
					env: account,
					version: amiVersion,
					convox_version: convoxVersion,
					run_id: this.ctx.run.id,
					...optional,
					...(regionVariable ? {[regionVariable]: region} : {}),
				},
				declaredVariables,
			),
			secrets: await this.readSecretsOnce(),
			...(this.template.varFiles && this.template.varFileSecrets
				? {varFileSecrets: await secretValuesIn(this.template.varFiles, this.template.varFileSecrets)}
				: {}),
			aws: await this.packerCredentials(aws, region),
			environment: this.ctx.services.environment,
			cwd: path.dirname(templatePath),
		};
	}

	/**
	 * The credentials STS was called with, for Packer's environment: long-lived keys as they are;
	 * temporary ones through a loopback endpoint serving them refreshed (a dry run's validate needs none).
	 */
	private async packerCredentials(aws: AwsClients, region: string): Promise<PackerAws> {
		let credentials;
		try {
			credentials = await aws.credentials();
		} catch (error) {
			throw new StepFailedError(
				`Could not resolve the AWS credentials of account ${this.ctx.account.accountId} for Packer: ${errorText(error)}`,
				'Log in again (aws sso login, or refresh the profile), then run `convox-ami resume`.',
			);
		}
		if (credentials.expiration && !this.dryRun) {
			const minutes = Math.floor((credentials.expiration.getTime() - Date.now()) / 60_000);
			const served = `Packer's AWS credentials are temporary (they expire at ${clock(credentials.expiration)}, in ${minutes} min): this process serves them to Packer on 127.0.0.1, renewed by the AWS SDK as they near expiry where their source can renew them (SSO, assume-role, web identity, a role), for as long as it runs. Keep convox-ami running until the build ends.`;
			// Keys from the environment (AWS_CREDENTIAL_EXPIRATION) or a credential_process may not be renewable.
			if (minutes < SHORT_CREDENTIALS_MINUTES)
				this.ctx.notice(
					'warn',
					`${served} If their source cannot renew them (keys in the environment, a credential_process), a build longer than ${minutes} min fails: get longer-lived ones first.`,
				);
			else this.ctx.notice('info', served);
			this.credentialsEndpoint ??= await serveCredentials(() => aws.credentials());
			return {endpoint: {url: this.credentialsEndpoint.url, token: this.credentialsEndpoint.token}, region};
		}
		return {
			accessKeyId: credentials.accessKeyId,
			secretAccessKey: credentials.secretAccessKey,
			...(credentials.sessionToken ? {sessionToken: credentials.sessionToken} : {}),
			region,
		};
	}

	private readSecretsOnce(): Promise<PackerSecret[]> {
		this.secrets ??= readSecrets(this.ctx, this.dryRun);
		return this.secrets;
	}

	private emitPackerEvent(event: PackerOutputEvent): void {
		if (event.type === 'line') this.ctx.emit({type: 'log', step: 'build', line: event.text});
		else this.ctx.progress(event.phase, event.activity);
	}

	private async validate(invocation: PackerInvocation): Promise<BuildOutputs> {
		const command = formatPackerCommand('build', invocation);
		this.ctx.notice('info', `Dry run: the build would run, in ${invocation.cwd}: ${command}`);
		let validation;
		try {
			validation = await runPackerValidate({...invocation, varFileDir: this.files.varFileDir});
		} catch (error) {
			throw this.notStarted(error);
		}
		if (validation.exitCode !== 0) {
			throw new StepFailedError(
				`packer validate refused ${invocation.template} (exit ${validation.exitCode}):\n${indent(validation.lines)}`,
				'Fix the template or its variables, then run again.',
			);
		}
		this.ctx.notice('info', `packer validate accepted ${invocation.template} with these variables; nothing was built.`);
		return {amiIds: {}, validated: true};
	}

	private notStarted(error: unknown): StepFailedError {
		return new StepFailedError(
			`Packer (${this.ctx.services.binaries.packer}) could not be started: ${errorText(error)}`,
			'Install Packer (Debian: apt-get install packer) or set "binaries.packer" in the config.',
		);
	}

	private async build(invocation: PackerInvocation): Promise<PackerResult> {
		if (this.ctx.signal.aborted) throw new InterruptedError('Interrupted before the build started.', 'Run `convox-ami resume` to build.');
		const command = formatPackerCommand('build', invocation);
		await mkdir(path.dirname(this.logPath), {recursive: true});
		await appendFile(this.logPath, `# ${new Date().toISOString()} convox-ami run ${this.ctx.run.id}: ${command}\n`, {mode: 0o600});
		this.ctx.emit({type: 'checkpoint', step: 'build', outputs: {logPath: this.logPath}});
		this.ctx.notice('info', `Packer log: ${this.logPath}`);
		this.ctx.notice('info', `Running ${command}`);
		let build: PackerBuild;
		// Packer may print before its start is known here: its lines wait for the pid's checkpoint.
		const early: PackerOutputEvent[] = [];
		let started = false;
		try {
			build = await startPackerBuild({
				...invocation,
				logPath: this.logPath,
				...(this.ctx.services.sharedState ? {share: this.ctx.services.sharedState} : {}),
				onEvent: event => (started ? this.emitPackerEvent(event) : early.push(event)),
			});
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw this.notStarted(error);
			throw new StepFailedError(
				`Could not start Packer under its keeper: ${errorText(error)}`,
				`Check that ${path.dirname(this.logPath)} is writable, then run \`convox-ami resume\`.`,
			);
		}
		const cancellation = new Cancellation(this.ctx, build);
		// Journalled for the operator (`ps`, the runs list); a resume reads the keeper's record.
		this.ctx.emit({
			type: 'checkpoint',
			step: 'build',
			outputs: {packerPid: build.packer.pid, packerStartedAt: build.packer.startedAt, keeperPid: build.keeper.pid},
		});
		this.ctx.progress('start', 'Starting Packer');
		for (const event of early) this.emitPackerEvent(event);
		started = true;
		let result: PackerResult;
		try {
			result = await build.result;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw this.notStarted(error);
			throw new StepFailedError(
				`The build broke off: ${errorText(error)}`,
				'Run `convox-ami resume`: it looks for the AMI first, then builds again.',
			);
		} finally {
			cancellation.release();
		}
		const succeeded = result.exitCode === 0;
		if (cancellation.state === 'killed') {
			throw new InterruptedError(
				`Stopped Packer at once (SIGKILL); left behind in AWS: ${describeResources(cancellation.leftBehind)}.`,
				`Delete them in the EC2 console, then run \`convox-ami resume\` to build again. Log: ${this.logPath}`,
			);
		}
		if (cancellation.state === 'cancelling' && !succeeded) {
			const how = result.cancelled
				? 'Packer cancelled the build and cleaned up what it had created.'
				: `Packer exited ${result.exitCode} without confirming its clean-up; see the log ${this.logPath}.`;
			throw new InterruptedError(`Build cancelled. ${how}`, 'Run `convox-ami resume` to build again.');
		}
		if (cancellation.state === 'cancelling') this.ctx.notice('warn', 'The cancel came too late: Packer had already finished the AMI.');
		if (result.exitCode !== 0) {
			const errors = result.errors.length > 0 ? indent(result.errors) : '  (Packer printed no error line)';
			throw new StepFailedError(
				`Packer build failed (exit ${result.exitCode}):\n${errors}\nFull log: ${this.logPath}`,
				'Fix the cause, then run `convox-ami resume` to build again.',
			);
		}
		return result;
	}

	/** Secrets are baked into the AMI: anyone who can launch it can read them. */
	private async refuseUnlessPrivate(ec2: EC2Client, amiId: string): Promise<void> {
		let access;
		try {
			access = await launchPermissions(ec2, amiId);
		} catch (error) {
			throw new StepFailedError(
				`Could not read the launch permissions of ${amiId} (DescribeImageAttribute): ${errorText(error)}`,
				'Run `convox-ami resume` to check again.',
			);
		}
		if (access.visibility === 'private') return;
		const region = this.buildRegion;
		if (access.visibility === 'public') {
			throw new StepFailedError(
				`AMI ${amiId} IS PUBLIC: anyone can launch it and read the Librato and logspout secrets baked into it. It will not be rolled out.`,
				`Make it private now: aws ec2 modify-image-attribute --region ${region} --image-id ${amiId} --launch-permission "Remove=[{Group=all}]"; then rotate the Librato and logspout tokens and run \`convox-ami resume\`.`,
			);
		}
		throw new StepFailedError(
			`AMI ${amiId} IS SHARED with ${access.with.join(', ')}: they can launch it and read the secrets baked into it. It will not be rolled out.`,
			`Remove the launch permissions (aws ec2 reset-image-attribute --region ${region} --image-id ${amiId} --attribute launchPermission), consider rotating the tokens, then run \`convox-ami resume\`.`,
		);
	}
}

/**
 * While a Packer process is watched, Ctrl-C calls `onInterrupt` and an abort of the run (also one
 * that came before) calls `onAbort`. The returned function stops both.
 */
function whileWatching(ctx: StepContext, onInterrupt: () => void, onAbort: () => void): () => void {
	const unregister = ctx.interceptInterrupt(onInterrupt);
	ctx.signal.addEventListener('abort', onAbort);
	if (ctx.signal.aborted) onAbort();
	return () => {
		unregister();
		ctx.signal.removeEventListener('abort', onAbort);
	};
}

/**
 * Ctrl-C during a build: the first asks (or, when nobody can answer, just cancels) and sends
 * SIGINT to Packer's process group so that Packer cleans up; a second one during the clean-up
 * kills the group and says what stays behind.
 */
class Cancellation {
	state: 'building' | 'asking' | 'cancelling' | 'killed' = 'building';
	leftBehind: BuildResources = {};
	private readonly stopWatching: () => void;
	private done = false;

	constructor(
		private readonly ctx: StepContext,
		private readonly build: PackerBuild,
	) {
		this.stopWatching = whileWatching(
			ctx,
			() => this.interrupt(),
			() => this.cancel(),
		);
	}

	release(): void {
		this.done = true;
		this.stopWatching();
	}

	private interrupt(): void {
		if (this.done) return;
		if (this.state === 'cancelling') this.kill();
		else if (this.state === 'asking') this.cancel();
		else if (this.state === 'building') {
			this.state = 'asking';
			void this.ask().then(yes => {
				if (this.done || this.state !== 'asking') return;
				if (yes) this.cancel();
				else {
					this.state = 'building';
					this.ctx.notice('info', 'The build goes on.');
				}
			});
		}
	}

	private async ask(): Promise<boolean> {
		if (!this.ctx.prompt.interactive) return true;
		try {
			return await this.ctx.prompt.confirm({
				message: 'Cancel the build? Packer will clean up the instance, key pair and security group it created.',
				remedy: '--yes',
				defaultValue: true,
			});
		} catch {
			return true;
		}
	}

	private cancel(): void {
		if (this.done || this.state === 'cancelling' || this.state === 'killed') return;
		this.state = 'cancelling';
		this.build.cancel();
		this.ctx.progress('clean-up', 'Cancelling: Packer is cleaning up');
		this.ctx.notice(
			'warn',
			'Cancelling the build: Packer is cleaning up what it created. Ctrl-C again stops it at once and leaves those behind.',
		);
	}

	private kill(): void {
		this.state = 'killed';
		this.leftBehind = this.build.resources();
		this.ctx.notice('warn', `Stopping Packer at once: this leaves behind ${describeResources(this.leftBehind)}.`);
		this.build.kill();
	}
}

/** Ctrl-C while following an interrupted run's Packer: SIGINT to its group first, SIGKILL on the second. */
class OrphanStop {
	state: 'idle' | 'cancelling' | 'killed' = 'idle';
	readonly release: () => void;

	constructor(
		private readonly ctx: StepContext,
		private readonly packer: PackerProcess,
	) {
		this.release = whileWatching(
			ctx,
			() => this.interrupt(),
			() => this.interrupt(),
		);
	}

	private interrupt(): void {
		if (this.state === 'idle') {
			this.state = 'cancelling';
			signalPackerGroup(this.packer, 'SIGINT');
			this.ctx.notice(
				'warn',
				`Cancelling: sent SIGINT to Packer pid ${this.packer.pid} (interrupted run), which cleans up what it created. Ctrl-C again stops it at once and leaves those behind.`,
			);
		} else if (this.state === 'cancelling') {
			this.state = 'killed';
			signalPackerGroup(this.packer, 'SIGKILL');
			this.ctx.notice('warn', `Stopped Packer pid ${this.packer.pid} (interrupted run) at once (SIGKILL).`);
		}
	}
}

/** A fleet rack is given the AMI its account built (or copied to its region): checked, not built again. */
async function adoptPrebuilt(ctx: StepContext, prebuilt: PrebuiltAmi): Promise<BuildOutputs> {
	const ec2 = (await ctx.services.aws()).ec2;
	let access;
	try {
		access = await launchPermissions(ec2, prebuilt.amiId);
	} catch (error) {
		throw new StepFailedError(
			`Could not read the launch permissions of ${prebuilt.amiId} in ${prebuilt.region} (DescribeImageAttribute): ${errorText(error)}`,
			'Run `convox-ami resume` to check again.',
		);
	}
	if (access.visibility !== 'private') {
		const who = access.visibility === 'public' ? 'IS PUBLIC' : `IS SHARED with ${access.with.join(', ')}`;
		throw new StepFailedError(
			`AMI ${prebuilt.amiId} (${prebuilt.region}) ${who}: it carries the Librato and logspout secrets. It will not be rolled out.`,
			`Remove the launch permissions (aws ec2 reset-image-attribute --region ${prebuilt.region} --image-id ${prebuilt.amiId} --attribute launchPermission), rotate the tokens, then run \`convox-ami resume\`.`,
		);
	}
	ctx.notice(
		'info',
		`Adopted AMI ${prebuilt.amiId} (${prebuilt.region}), ${prebuilt.origin}: not building again; launch permissions checked: private.`,
	);
	return {amiId: prebuilt.amiId, amiIds: {[prebuilt.region]: prebuilt.amiId}, adopted: true, prebuilt: true};
}

/** The Packer command line, secrets masked, and what the AMI must be. */
function planLine({accountName, account, region, templatePath, buildRegion}: PlanFacts): PlanEntry {
	const secrets = BUILD_SECRETS.filter(secret => buildNeeds(secret, metricsOf(account).backend)).map(
		secret => `-var ${secret.variable}=***`,
	);
	return {
		summary: `\`packer build -machine-readable -color=false -var region=${region} -var env=${accountName} -var version=<AMI version> -var convox_version=<version> -var source_ami=<base AMI> -var run_id=<run> ${secrets.join(' ')} ${path.basename(templatePath)}\`.${buildRegion ?? ''} The AMI is private, encrypted and tagged \`ReleaseRun=<run>\`; a public or shared AMI fails the step.`,
	};
}

export const buildStep: Step<'build'> = {
	id: 'build',
	plan: planLine,
	run: ctx => {
		// Contexts made by hand (tests, older callers) may carry a run without options.
		const prebuilt = ctx.run.options?.prebuiltAmi;
		return prebuilt ? adoptPrebuilt(ctx, prebuilt) : new BuildRun(ctx).run();
	},
};
