import {setMaxListeners} from 'node:events';
import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {describeStack, parameterValue, StackNotFoundError} from '../services/cloudformation/stack';
import type {Services, WorldPolicy} from '../core/ports';
import {createFleetReporter, type FleetReporter} from '../ui/fleet-reporter';
import type {Outcome} from '../ui/run-store';
import {EXIT, OperatorError, StepFailedError, UsageError, type ExitCode} from '../core/errors';
import {mapBounded} from '../workflow/fleet/bounded';
import type {FleetChangeInput, FleetEventInput, FleetStatus, ImagePlace, RackState} from '../core/fleet-events';
import {fleetFiles, FleetStore, type FleetImageRecord, type FleetRackRecord, type FleetRun} from '../workflow/fleet/fleet-journal';
import {reduceFleet} from '../workflow/fleet/fleet-reducer';
import {newFleetRun} from '../workflow/fleet/new-fleet-run';
import {followUpOf} from '../workflow/follow-up';
import {fleetReport} from '../workflow/fleet/fleet-report';
import {resolveFleetVersion} from '../convox/fleet-version';
import {changeSetTable, rackPrompter, WaveGate} from '../workflow/fleet/wave-gate';
import {schedule} from '../workflow/fleet/wave-scheduler';
import {runsDir} from '../workflow/journal-store';
import type {RunOutcome} from '../workflow/runner';
import {runModeOf} from '../core/run-mode';
import {outputsOf} from '../core/step-outputs';
import type {PrebuiltAmi, Run, StepId} from '../core/types';
import {driveOne, rollbackRequest, type RunRequest, type Session} from './drive-one';

/** Stack reads while the fleet's version is resolved, side by side. */
const READ_CONCURRENCY = 8;
/** The rehearsal's CopyImage is done in seconds: poll it accordingly. */
const REHEARSAL_COPY_POLL = {minDelaySeconds: 0.5, maxDelaySeconds: 2};

function rackStateOf(run: Run): RackState {
	switch (run.status) {
		case 'finished':
			return 'done';
		case 'failed':
			return 'failed';
		case 'waiting':
			return 'waiting';
		default:
			return 'pending';
	}
}

export type FleetOutcome = Outcome & {exitCode: ExitCode};

/** Where the fleet stopped when it had to stop at once (interrupted, a question nobody can answer). */
interface Halt {
	exitCode: ExitCode;
	message: string;
	hint?: string;
}

/**
 * One fleet run: one Convox version for every rack, one AMI built per account (by the run of its
 * first rack) and copied to the account's other regions, then the waves, racks side by side.
 * Everything is journaled in STATE_DIR/fleets/ID.json, linking one run per rack (today's format).
 */
class FleetDriver {
	private readonly store: FleetStore;
	private readonly reporter: FleetReporter;
	private readonly gates = new Map<number, WaveGate>();
	private readonly services = new Map<string, Services>();
	private halt: Halt | undefined;

	constructor(
		private readonly session: Session,
		private fleet: FleetRun,
		private readonly resumed: boolean,
	) {
		this.store = new FleetStore(session.input.stateDir, session.store.mirror);
		const racks = fleet.racks.map(rack => ({
			rack: rack.name,
			accountId: rack.accountId,
			region: rack.region,
			wave: rack.wave,
			status: rack.state,
		}));
		session.frontEnd.attachFleet({fleet: fleet.fleet, fleetRunId: fleet.id});
		this.reporter = createFleetReporter(session.frontEnd, {fleet: fleet.fleet, fleetRunId: fleet.id, racks});
	}

	private get files() {
		return fleetFiles(this.session.input.stateDir, this.fleet.id);
	}

	/** The one way the fleet run changes: reduced, then journaled. */
	private change(change: FleetChangeInput): void {
		this.fleet = reduceFleet(this.fleet, {...change, at: new Date().toISOString()});
		this.store.save(this.fleet);
	}

	private emit(event: FleetEventInput): void {
		this.reporter.emit(event);
	}

	private rack(name: string): FleetRackRecord {
		return this.fleet.racks.find(rack => rack.name === name)!;
	}

	private image(place: ImagePlace): FleetImageRecord {
		return this.fleet.images.find(image => image.accountId === place.accountId && image.region === place.region)!;
	}

	async drive(): Promise<FleetOutcome> {
		this.emit({
			type: 'fleet',
			status: this.resumed ? 'resumed' : 'started',
			mode: this.fleet.mode,
			message: `${this.fleet.racks.length} racks in ${this.fleet.waves.length} waves; run ${this.fleet.id}`,
		});
		try {
			if (!this.fleet.convoxVersion) await this.resolveVersion();
			const built = await this.buildImages();
			if (built) return built;
			const copied = await this.copyImages();
			if (copied) return copied;
			return await this.runWaves();
		} catch (error) {
			this.change({type: 'status', status: this.session.interrupts.signal.aborted ? 'interrupted' : 'failed'});
			await this.writeReport([]);
			throw error;
		}
	}

	private async servicesFor(rack: FleetRackRecord): Promise<Services> {
		const known = this.services.get(rack.name);
		if (known) return known;
		const {loaded, rehearsal} = this.session;
		const account = loaded.config.accounts[rack.name]!;
		const {createServices} = await import('../services/create-services');
		const services = createServices({
			config: loaded.config,
			configDir: loaded.dir,
			account,
			region: rack.region,
			env: rehearsal ? rehearsal.envFor(account.accountId) : process.env,
			...(rehearsal ? {standIn: {endpoint: rehearsal.awsEndpoint, credentials: rehearsal.credentialsFor(account.accountId)}} : {}),
			sharedPace: true,
		});
		this.services.set(rack.name, services);
		return services;
	}

	/** One version for the fleet, resolved against every rack's current `Version`. */
	private async resolveVersion(): Promise<void> {
		const {signal} = this.session.interrupts;
		const first = await this.servicesFor(this.fleet.racks[0]!);
		const entries = await first.releases.versions(signal);
		const current = await mapBounded(this.fleet.racks, READ_CONCURRENCY, async rack => {
			const {cloudformation} = await (await this.servicesFor(rack)).aws();
			try {
				const stack = await describeStack(cloudformation, rack.stackName, signal);
				return {rack: rack.name, current: parameterValue(stack, 'Version')};
			} catch (error) {
				if (error instanceof StackNotFoundError) {
					throw new UsageError(
						`The stack ${rack.stackName} of rack ${rack.name} does not exist in account ${rack.accountId} (${rack.region}).`,
						`Check accounts.${rack.name}.stackName and its region, or take ${rack.name} out of fleets.${this.fleet.fleet}.`,
					);
				}
				signal.throwIfAborted();
				throw new StepFailedError(
					`Cannot read the stack ${rack.stackName} of rack ${rack.name}: ${(error as Error).message}`,
					'Check the network and permissions, then run `convox-ami resume`.',
				);
			}
		});
		const version = resolveFleetVersion(entries, current, this.session.input.flags.convoxVersion);
		if (version.holders.length > 0) {
			const named = version.holders.map(holder => `${holder.rack} (on ${holder.current})`).join(', ');
			const message = version.pinned
				? `--convox-version ${version.version} jumps over required versions for ${version.holders.map(holder => `${holder.rack} (on ${holder.current}, required ${holder.required})`).join(', ')}.`
				: `Convox ${version.version} for the whole fleet, not the newest ${version.newest}: ${named} must pass through the required ${version.version} first. Release the fleet again afterwards for ${version.newest}.`;
			this.emit({type: 'notice', level: 'warn', message});
			this.change({type: 'history', note: message});
		}
		this.change({
			type: 'version-resolved',
			convoxVersion: version.version,
			note: `Convox ${version.version} for every rack${version.pinned ? ' (pinned)' : ''}.`,
		});
		this.emit({type: 'fleet', status: 'running', mode: this.fleet.mode, convoxVersion: version.version});
	}

	/** The run of one rack, new or resumed, with the fleet's sink and prompter. */
	private async driveRackRun(
		rack: FleetRackRecord,
		{stopAfter, prebuiltAmi, onCreated}: {stopAfter?: StepId; prebuiltAmi?: PrebuiltAmi; onCreated?: (run: Run) => FleetChangeInput},
	): Promise<RunOutcome> {
		const existing = rack.runId ? await this.session.store.load(rack.runId).catch(() => undefined) : undefined;
		const request: RunRequest = existing
			? {kind: existing.kind, resume: existing, model: runModeOf(existing)}
			: {kind: 'release', env: rack.name, convoxVersion: this.fleet.convoxVersion!, releaseId: this.fleet.id};
		const sink = this.reporter.rackSink(rack.name);
		return driveOne(this.session, request, {
			sink: (event, run) => {
				if (event.type === 'change-set') {
					this.gateFor(rack.wave).preview({
						rack: rack.name,
						stackName: event.stackName,
						changeSetName: event.changeSetName,
						parameters: event.parameters,
						changes: event.changes,
						production: rack.production,
					});
				}
				sink(event, run);
			},
			prompter: rackPrompter(this.session.frontEnd.prompter, () => this.gateFor(rack.wave), {
				rack: rack.name,
				stackName: rack.stackName,
				production: rack.production,
			}),
			...(stopAfter ? {stopAfter} : {}),
			...(prebuiltAmi ? {prebuiltAmi} : {}),
			onCreated: run => {
				// Linked before the run's own journal exists: a kill in between leaves a link to no run, which starts anew.
				this.change({type: 'rack-run-created', rack: rack.name, runId: run.id});
				if (onCreated) this.change(onCreated(run));
			},
		});
	}

	/** One AMI per account, built by the run of the account's first rack, all accounts side by side. */
	private async buildImages(): Promise<FleetOutcome | undefined> {
		const builds = this.fleet.images.filter(image => image.kind === 'build' && image.status !== 'done');
		await Promise.all(builds.map(image => this.build(image)));
		const failed = this.fleet.images.filter(image => image.kind === 'build' && image.status === 'failed');
		if (this.halt)
			return this.end(
				this.halt.exitCode === EXIT.interrupted ? 'interrupted' : 'failed',
				this.halt.exitCode,
				this.halt.message,
				this.halt.hint,
			);
		if (failed.length === 0) return undefined;
		const message = `The AMI of ${failed.map(image => `account ${image.accountId} (run of ${image.rack})`).join(', ')} was not built; no rack was updated.`;
		return this.end(
			'failed',
			EXIT.failed,
			`${message}\n${failed.map(image => `  ${image.rack}: ${image.error ?? 'failed'}`).join('\n')}`,
			'Fix the cause, then run `convox-ami resume`: it looks for the AMI first, then builds again.',
		);
	}

	private async build(image: FleetImageRecord): Promise<void> {
		const rack = this.rack(image.rack!);
		const place = {accountId: image.accountId, region: image.region};
		const report = (status: 'running' | 'done' | 'failed', details: {amiId?: string; message?: string} = {}) =>
			this.emit({type: 'image', kind: 'build', ...place, status, rack: rack.name, ...details});
		this.change({type: 'image-started', ...place});
		report('running', image.runId ? {message: `resuming run ${image.runId}`} : {});
		const outcome = await this.driveRackRun(rack, {
			stopAfter: 'build',
			onCreated: run => ({type: 'image-run-created', ...place, runId: run.id}),
		});
		const build = outcome.run.steps.find(step => step.id === 'build');
		const {amiId} = outputsOf(outcome.run, 'build');
		if (build?.status === 'done' && amiId) {
			this.change({
				type: 'image-made',
				...place,
				amiId,
				note: `Built ${amiId} for account ${image.accountId} in ${image.region} (run ${outcome.run.id} of ${rack.name}).`,
			});
			report('done', {amiId});
			return;
		}
		if (build?.status === 'done' && this.fleet.dryRun) {
			this.change({
				type: 'image-made',
				...place,
				note: `Dry run: the build for account ${image.accountId} was validated, nothing was built; each rack's dry run validates its own.`,
			});
			report('done', {message: 'dry run: validated, nothing built'});
			return;
		}
		const error =
			build?.status === 'done' ? 'the build recorded no AMI' : (outcome.message ?? `run ${outcome.run.id} ${outcome.run.status}`);
		const halted = outcome.exitCode === EXIT.interrupted || outcome.exitCode === EXIT.usage || outcome.exitCode === EXIT.waiting;
		if (halted) {
			this.halt ??= {
				exitCode: outcome.exitCode,
				message: outcome.message ?? `The build of account ${image.accountId} stopped.`,
				...(outcome.hint ? {hint: outcome.hint} : {}),
			};
		}
		this.change({type: 'image-failed', ...place, error, retry: halted});
		report('failed', {message: error});
	}

	/** Each account's AMI to the other regions of its racks, every copy side by side; found again by its tags on resume. */
	private async copyImages(): Promise<FleetOutcome | undefined> {
		const pending = this.fleet.images.filter(image => image.kind === 'copy' && image.status !== 'done');
		const accounts = [...new Set(pending.map(image => image.accountId))];
		await Promise.all(
			accounts.map(accountId =>
				this.copyForAccount(
					accountId,
					pending.filter(image => image.accountId === accountId),
				),
			),
		);
		if (this.session.interrupts.signal.aborted)
			return this.end(
				'interrupted',
				EXIT.interrupted,
				'Interrupted while copying the AMIs.',
				'Run `convox-ami resume`: copies made are found again by their tags.',
			);
		const failed = this.fleet.images.filter(image => image.kind === 'copy' && image.status === 'failed');
		if (failed.length === 0) return undefined;
		return this.end(
			'failed',
			EXIT.failed,
			`Copying the AMIs failed for ${failed.map(image => `account ${image.accountId} in ${image.region}`).join(', ')}; no rack was updated.\n${failed.map(image => `  ${image.region}: ${image.error ?? 'failed'}`).join('\n')}`,
			'Fix the cause, then run `convox-ami resume`: copies made are found again, the rest is copied.',
		);
	}

	private async copyForAccount(accountId: string, copies: FleetImageRecord[]): Promise<void> {
		const source = this.fleet.images.find(image => image.kind === 'build' && image.accountId === accountId)!;
		if (this.fleet.dryRun) {
			for (const copy of copies) {
				this.change({type: 'image-made', accountId, region: copy.region});
				this.emit({
					type: 'image',
					kind: 'copy',
					accountId,
					region: copy.region,
					status: 'done',
					message: `dry run: would copy the AMI of ${source.region} here (CopyImage, encrypted, tags copied)`,
				});
			}
			return;
		}
		const builder = this.rack(source.rack!);
		const aws = await (await this.servicesFor(builder)).aws();
		const {copyAmiToRegions, AmiCopiesError} = await import('../services/ami-copies');
		for (const copy of copies) {
			this.change({type: 'image-started', accountId, region: copy.region, copiedFrom: {region: source.region, amiId: source.amiId!}});
			this.emit({
				type: 'image',
				kind: 'copy',
				accountId,
				region: copy.region,
				status: 'running',
				message: `from ${source.amiId} (${source.region})`,
			});
		}
		const record = (region: string, amiId: string, adopted: boolean) => {
			this.change({
				type: 'image-made',
				accountId,
				region,
				amiId,
				adopted,
				note: `Copied ${source.amiId} (${source.region}) to ${region} for account ${accountId}: ${amiId}${adopted ? ' (found from an earlier attempt)' : ''}.`,
			});
			this.emit({
				type: 'image',
				kind: 'copy',
				accountId,
				region,
				status: 'done',
				amiId,
				...(adopted ? {message: 'found from an earlier attempt, not copied again'} : {}),
			});
		};
		const fail = (region: string, error: unknown) => {
			const message = (error as Error).message;
			this.change({type: 'image-failed', accountId, region, error: message, retry: this.session.interrupts.signal.aborted});
			this.emit({type: 'image', kind: 'copy', accountId, region, status: 'failed', message});
		};
		try {
			const done = await copyAmiToRegions(
				async region => aws.ec2For(region),
				{
					region: source.region,
					amiId: source.amiId!,
					name: `convox-ami-${this.fleet.convoxVersion}-${source.amiId}`,
					description: `convox-ami fleet ${this.fleet.fleet} (${this.fleet.id}): ${source.amiId} from ${source.region}`,
				},
				copies.map(copy => copy.region),
				this.fleet.id,
				{
					signal: this.session.interrupts.signal,
					concurrency: copies.length,
					onProgress: progress => {
						if (progress.phase === 'copying' || progress.phase === 'found')
							this.emit({type: 'notice', level: 'info', message: progress.message});
					},
					...(this.session.rehearsal ? REHEARSAL_COPY_POLL : {}),
				},
			);
			for (const copy of done) record(copy.targetRegion, copy.amiId, copy.adopted);
		} catch (error) {
			if (error instanceof AmiCopiesError) {
				for (const copy of error.copies) record(copy.targetRegion, copy.amiId, copy.adopted);
				for (const failure of error.failures) fail(failure.targetRegion, failure.error);
				return;
			}
			for (const copy of copies.filter(candidate => this.image(candidate).status !== 'done')) fail(copy.region, error);
		}
	}

	/** The gate of a rack's wave: opened by the first rack of the wave to start, with the world's policy. */
	private gateFor(wave: number, policy?: WorldPolicy): WaveGate {
		let gate = this.gates.get(wave);
		if (!gate) {
			if (!policy) throw new Error(`The gate of wave ${wave + 1} was asked for before a rack of it started.`);
			const {frontEnd, input} = this.session;
			gate = new WaveGate({
				fleet: this.fleet.fleet,
				wave,
				prompter: frontEnd.prompter,
				yes: input.flags.yes,
				confirmed: this.fleet.confirmedWaves.includes(wave),
				prefill: policy.prefillsProductionConfirmation,
				show: (rows, index) => this.emit({type: 'change-sets', wave: index, racks: rows.map(row => row.rack), table: changeSetTable(rows)}),
				onConfirmed: index =>
					this.change({type: 'wave-confirmed', wave: index, note: `Wave ${index + 1} confirmed${input.flags.yes ? ' (--yes)' : ''}.`}),
			});
			this.gates.set(wave, gate);
		}
		return gate;
	}

	private prebuiltFor(rack: FleetRackRecord): PrebuiltAmi | undefined {
		const image = this.image(rack);
		// A dry run built nothing: each rack's own dry run validates the build.
		if ((image.kind === 'build' && image.rack === rack.name) || !image.amiId) return undefined;
		const origin =
			image.kind === 'build'
				? `built by run ${image.runId} (${image.rack})`
				: `copied from ${image.copiedFrom?.amiId} (${image.copiedFrom?.region}) by fleet run ${this.fleet.id}`;
		return {amiId: image.amiId!, region: image.region, origin};
	}

	private async releaseRack(name: string): Promise<void> {
		this.change({type: 'rack-started', rack: name});
		const rack = this.rack(name);
		this.emit({type: 'rack-state', rack: name, state: 'running', wave: rack.wave, ...(rack.runId ? {runId: rack.runId} : {})});
		const gate = this.gateFor(rack.wave, (await this.servicesFor(rack)).policy);
		gate.enter(name);
		let ended: {state: RackState; detail?: string};
		try {
			const prebuiltAmi = this.prebuiltFor(rack);
			const outcome = await this.driveRackRun(rack, prebuiltAmi ? {prebuiltAmi} : {});
			const state = rackStateOf(outcome.run);
			const halted = outcome.exitCode === EXIT.interrupted || outcome.exitCode === EXIT.usage;
			ended = {state: halted ? 'pending' : state, ...(outcome.message && state !== 'done' ? {detail: outcome.message} : {})};
			if (halted) {
				this.halt ??= {
					exitCode: outcome.exitCode,
					message: `${name}: ${outcome.message ?? 'stopped'}`,
					...(outcome.hint ? {hint: outcome.hint} : {}),
				};
			}
		} catch (error) {
			const usage = error instanceof OperatorError && error.exitCode === EXIT.usage;
			ended = {state: usage || this.session.interrupts.signal.aborted ? 'pending' : 'failed', detail: (error as Error).message};
			if (usage) this.halt ??= {exitCode: EXIT.usage, message: `${name}: ${error.message}`, ...(error.hint ? {hint: error.hint} : {})};
		} finally {
			gate.leave(name);
		}
		this.change({type: 'rack-ended', rack: name, ...ended});
		const {runId, detail} = this.rack(name);
		this.emit({
			type: 'rack-state',
			rack: name,
			state: ended.state,
			wave: rack.wave,
			...(runId ? {runId} : {}),
			...(detail ? {detail: detail.split('\n')[0]!} : {}),
		});
	}

	private states(): Record<string, RackState> {
		return Object.fromEntries(this.fleet.racks.map(rack => [rack.name, rack.state]));
	}

	private async runWaves(): Promise<FleetOutcome> {
		const rules = {waves: this.fleet.waves, maxConcurrent: this.fleet.maxConcurrent, failureTolerance: this.fleet.failureTolerance};
		const active = new Map<string, Promise<void>>();
		let announced = -1;
		for (;;) {
			const next = schedule(rules, this.states());
			if (next.wave !== announced && !next.overTolerance) {
				if (announced >= 0) this.emit({type: 'wave', wave: announced, status: 'done', racks: this.fleet.waves[announced]!});
				if (next.wave < this.fleet.waves.length)
					this.emit({type: 'wave', wave: next.wave, status: 'started', racks: this.fleet.waves[next.wave]!});
				announced = next.wave;
			}
			const stopping = Boolean(this.halt) || this.session.interrupts.signal.aborted;
			for (const name of stopping ? [] : next.start) {
				active.set(
					name,
					this.releaseRack(name).finally(() => active.delete(name)),
				);
			}
			if (active.size === 0) return this.conclude(next.untouched);
			await Promise.race(active.values());
		}
	}

	private async conclude(untouched: string[]): Promise<FleetOutcome> {
		const final = schedule(
			{waves: this.fleet.waves, maxConcurrent: this.fleet.maxConcurrent, failureTolerance: this.fleet.failureTolerance},
			this.states(),
		);
		const failed = this.fleet.racks.filter(rack => rack.state === 'failed');
		const done = this.fleet.racks.filter(rack => rack.state === 'done');
		if (this.halt || this.session.interrupts.signal.aborted) {
			const halt = this.halt ?? {exitCode: EXIT.interrupted, message: 'Interrupted.'};
			return this.end(
				halt.exitCode === EXIT.usage ? 'failed' : 'interrupted',
				halt.exitCode,
				`${halt.message}\n${done.length} of ${this.fleet.racks.length} racks done; the fleet run continues with \`convox-ami resume\`.`,
				halt.hint ?? 'Run `convox-ami resume` to continue the fleet.',
			);
		}
		const left = final.verdict ? final.untouched : untouched;
		for (const name of left) this.emit({type: 'rack-state', rack: name, state: 'untouched', wave: this.rack(name).wave});
		switch (final.verdict) {
			case 'finished': {
				if (failed.length === 0 && this.fleet.dryRun)
					return this.end(
						'finished',
						EXIT.ok,
						`Fleet ${this.fleet.fleet} (dry run): all ${done.length} racks read, built and previewed as a dry run; nothing was changed.`,
					);
				if (failed.length === 0)
					return this.end(
						'finished',
						EXIT.ok,
						`Fleet ${this.fleet.fleet}: all ${done.length} racks released and verified with Convox ${this.fleet.convoxVersion}.`,
					);
				const hint = await this.offerRollback(failed);
				return this.end(
					'finished',
					EXIT.failed,
					`Fleet ${this.fleet.fleet}: ${done.length} racks done; ${failed.length} failed within the tolerance of ${this.fleet.failureTolerance}: ${failed.map(rack => rack.name).join(', ')}.`,
					hint,
				);
			}
			case 'waiting': {
				const waiting = this.fleet.racks.filter(rack => rack.state === 'waiting');
				return this.end(
					'waiting',
					EXIT.waiting,
					`Fleet ${this.fleet.fleet} waits on ${waiting.map(rack => `${rack.name} (${rack.detail?.split('\n')[0] ?? 'a manual confirmation'})`).join(', ')}; later waves not started: ${left.join(', ') || 'none'}.`,
					'Confirm with `convox-ami resume --confirm ID`.',
				);
			}
			default: {
				const hint = await this.offerRollback(failed);
				return this.end(
					'stopped',
					EXIT.failed,
					`Fleet ${this.fleet.fleet} stopped: ${failed.length} rack(s) failed (${failed.map(rack => rack.name).join(', ')}), more than the tolerance of ${this.fleet.failureTolerance}. Left untouched: ${left.join(', ') || 'none'}.`,
					hint,
				);
			}
		}
	}

	/**
	 * The failed racks left changed can go back, by the single rack's rule (verification failed after
	 * the update): an update that failed was already rolled back by CloudFormation. Asked when someone
	 * can answer, else named.
	 */
	private async offerRollback(failed: FleetRackRecord[]): Promise<string> {
		const runs = (
			await Promise.all(
				failed.map(async rack => (rack.runId ? await this.session.store.load(rack.runId).catch(() => undefined) : undefined)),
			)
		).filter((run): run is Run => Boolean(run));
		const changed = runs.filter(run => followUpOf(run, this.session.loaded.config, {guided: false})?.kind === 'rollback');
		if (changed.length === 0)
			return 'No failed rack is left changed (CloudFormation rolled back the updates that failed). Fix the cause, then run `convox-ami resume`.';
		const commands = changed.map(run => `convox-ami rollback ${run.id}`).join('; ');
		const {prompter} = this.session.frontEnd;
		if (!prompter.interactive) return `Roll the failed racks back with: ${commands}. Or fix the cause and run \`convox-ami resume\`.`;
		const back = await prompter.confirm({
			message: `Roll back ${changed.map(run => run.env).join(', ')} to the Ami and Version they had before this fleet run?`,
			remedy: commands,
			defaultValue: false,
		});
		if (!back) return `Roll back later with: ${commands}.`;
		const outcomes = await Promise.all(
			changed.map(run =>
				driveOne(this.session, rollbackRequest(run), {sink: this.reporter.rackSink(run.env), prompter, onCreated: () => undefined}),
			),
		);
		for (const outcome of outcomes)
			this.change({type: 'history', note: `Rollback run ${outcome.run.id} of ${outcome.run.env} ${outcome.run.status}.`});
		return `Rolled back: ${outcomes.map(outcome => `${outcome.run.env} (${outcome.run.status})`).join(', ')}.`;
	}

	private async writeReport(untouched: string[]): Promise<void> {
		const runs = new Map<string, Run>();
		for (const rack of this.fleet.racks) {
			if (!rack.runId) continue;
			const run = await this.session.store.load(rack.runId).catch(() => undefined);
			if (run) runs.set(run.id, run);
		}
		const report = fleetReport({
			fleet: this.fleet,
			runs,
			untouched,
			reportDir: path.dirname(this.files.report),
			runsDir: runsDir(this.session.input.stateDir),
		});
		await writeFile(this.files.report, report);
		await this.store.settled(this.fleet.id);
	}

	private async end(status: FleetStatus, exitCode: ExitCode, message: string, hint?: string): Promise<FleetOutcome> {
		this.change({type: 'status', status, note: `Fleet ${status}: ${message.split('\n')[0]}`});
		const untouched = this.fleet.racks.filter(rack => rack.state === 'pending' && !rack.runId).map(rack => rack.name);
		await this.writeReport(status === 'stopped' || status === 'waiting' ? untouched : []);
		this.emit({
			type: 'fleet',
			status,
			mode: this.fleet.mode,
			message: message.split('\n')[0]!,
			...(this.fleet.convoxVersion ? {convoxVersion: this.fleet.convoxVersion} : {}),
		});
		return {exitCode, message, ...(hint ? {hint} : {}), journal: this.files.journal, report: this.files.report};
	}
}

/** A resumed fleet: racks that did not finish go again through their own runs (reconciled as today), done ones are left. */
function resumeFleetRun(session: Session, fleet: FleetRun): FleetRun {
	const missing = fleet.racks.filter(rack => !session.loaded.config.accounts[rack.name]);
	if (missing.length > 0)
		throw new UsageError(
			`Fleet run ${fleet.id} has racks that are no longer in the config: ${missing.map(rack => rack.name).join(', ')}.`,
			'Put their accounts back in the config to resume it.',
		);
	if (session.input.flags.convoxVersion && fleet.convoxVersion && session.input.flags.convoxVersion !== fleet.convoxVersion) {
		throw new UsageError(
			`Fleet run ${fleet.id} keeps the Convox version it started with (${fleet.convoxVersion}); --convox-version cannot change it.`,
			'Start a new fleet run to release another version.',
		);
	}
	return reduceFleet(fleet, {
		type: 'resumed',
		at: new Date().toISOString(),
		note: `Fleet run resumed: ${fleet.racks.filter(rack => rack.state === 'done').length} of ${fleet.racks.length} racks done.`,
	});
}

/** `release --fleet NAME` and `resume` of a fleet run. */
export async function driveFleet(session: Session, target: FleetRun | string): Promise<FleetOutcome> {
	const resumed = typeof target !== 'string';
	const {loaded, input, model} = session;
	const fleet = resumed
		? resumeFleetRun(session, target)
		: newFleetRun(loaded.config, target, {
				model,
				confirm: input.flags.confirm,
				...(input.flags.region ? {region: input.flags.region} : {}),
			});
	const store = new FleetStore(session.input.stateDir, session.store.mirror);
	await store.ensureWritable();
	// Every rack's run and watch listens to the session's one abort signal.
	setMaxListeners(0, session.interrupts.signal);
	store.save(fleet);
	return new FleetDriver(session, fleet, resumed).drive();
}
