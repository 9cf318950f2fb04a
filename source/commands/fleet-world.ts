import {StepFailedError, UsageError, errorText} from '../core/errors';
import type {Services} from '../core/ports';
import {runModeOf} from '../core/run-mode';
import type {FleetRackRecord} from '../workflow/fleet/fleet-journal';
import type {FleetWorld, ImageCopies} from '../workflow/fleet/fleet-world';
import {driveOne, rollbackRequest, type Session} from './drive-one';

/** The rehearsal's CopyImage is done in seconds: poll it accordingly. */
const REHEARSAL_COPY_POLL = {minDelaySeconds: 0.5, maxDelaySeconds: 2};

/** What a fleet run is handed: each rack's services, its stack, the AMI copies and the racks' runs, in this session. */
export function fleetWorld(session: Session): FleetWorld {
	const services = new Map<string, Services>();
	const servicesFor = async (rack: FleetRackRecord): Promise<Services> => {
		const known = services.get(rack.name);
		if (known) return known;
		const {loaded, rehearsal} = session;
		const account = loaded.config.accounts[rack.name]!;
		const {createServices} = await import('../services/create-services');
		const created = createServices({
			config: loaded.config,
			configDir: loaded.dir,
			account,
			region: rack.region,
			environment: rehearsal ? rehearsal.environmentFor(account.accountId) : process.env,
			...(rehearsal ? {standIn: {endpoint: rehearsal.awsEndpoint, credentials: rehearsal.credentialsFor(account.accountId)}} : {}),
			sharedPace: true,
		});
		services.set(rack.name, created);
		return created;
	};
	return {
		servicesFor,
		async stackVersion(rack, fleet, signal) {
			const {cloudformation} = await (await servicesFor(rack)).aws();
			const {describeStack, parameterValue, StackNotFoundError} = await import('../services/cloudformation/stack');
			try {
				return parameterValue(await describeStack(cloudformation, rack.stackName, signal), 'Version');
			} catch (error) {
				if (error instanceof StackNotFoundError) {
					throw new UsageError(
						`The stack ${rack.stackName} of rack ${rack.name} does not exist in account ${rack.accountId} (${rack.region}).`,
						`Check accounts.${rack.name}.stackName and its region, or take ${rack.name} out of fleets.${fleet}.`,
					);
				}
				signal.throwIfAborted();
				throw new StepFailedError(
					`Cannot read the stack ${rack.stackName} of rack ${rack.name}: ${errorText(error)}`,
					'Check the network and permissions, then run `convox-ami resume`.',
				);
			}
		},
		async stackChangedSince(rack, preview, signal) {
			const {cloudformation} = await (await servicesFor(rack)).aws();
			const {describeStack} = await import('../services/cloudformation/stack');
			const {changeSincePreview} = await import('../steps/change-set-approval');
			return changeSincePreview(preview, await describeStack(cloudformation, rack.stackName, signal));
		},
		async copyImage(builder, {source, regions, fleetRunId, signal, onProgress}): Promise<ImageCopies> {
			const aws = await (await servicesFor(builder)).aws();
			const {copyAmiToRegions, AmiCopiesError} = await import('../services/ami-copies');
			const copiedOf = (copies: Array<{targetRegion: string; amiId: string; adopted: boolean}>) =>
				copies.map(({targetRegion, amiId, adopted}) => ({region: targetRegion, amiId, adopted}));
			try {
				const copies = await copyAmiToRegions(async region => aws.ec2For(region), source, regions, fleetRunId, {
					signal,
					concurrency: regions.length,
					onProgress: progress => {
						if (progress.phase === 'copying' || progress.phase === 'found') onProgress(progress.message);
					},
					...(session.rehearsal ? REHEARSAL_COPY_POLL : {}),
				});
				return {copied: copiedOf(copies), failed: []};
			} catch (error) {
				if (!(error instanceof AmiCopiesError)) throw error;
				return {
					copied: copiedOf(error.copies),
					failed: error.failures.map(failure => ({region: failure.targetRegion, error: failure.error.message})),
				};
			}
		},
		driveRack: (run, drive) =>
			driveOne(
				session,
				'resume' in run
					? {kind: run.resume.kind, resume: run.resume, model: runModeOf(run.resume)}
					: {
							kind: 'release',
							env: run.rack,
							convoxVersion: run.convoxVersion,
							releaseId: run.fleetRunId,
							...(run.until ? {until: run.until} : {}),
						},
				drive,
			),
		rollBack: (release, drive) => driveOne(session, rollbackRequest(release), drive),
	};
}
