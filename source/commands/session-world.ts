import type {LoadedConfig} from '../config/load-config';
import {secretReferencesOf} from '../config/secret-references';
import {StepFailedError, UsageError, errorText} from '../core/errors';
import type {Rehearsal} from '../rehearsal/rehearsal';
import {createNotificationComposer} from '../services/notification-messages';
import {notifyingSink, type Notifier} from '../services/notifications';
import {stepRegistry} from '../steps/registry';
import type {JournalStore} from '../workflow/journal-store';
import type {SessionWorld} from '../workflow/session-world';

/** The rehearsal's CopyImage is done in seconds: poll it accordingly. */
const REHEARSAL_COPY_POLL = {minDelaySeconds: 0.5, maxDelaySeconds: 2};

/** The world a session is handed: the steps, and the services of the config's accounts, the rehearsal's stand-ins under --rehearse. */
export function sessionWorld(
	loaded: LoadedConfig,
	{store, rehearsal, notifier}: {store: JournalStore; rehearsal?: Rehearsal | undefined; notifier?: Notifier | undefined},
): SessionWorld {
	return {
		loaded,
		steps: stepRegistry,
		async createServices(account, region, {sharedPace}) {
			const {createServices} = await import('../services/create-services');
			return createServices({
				config: loaded.config,
				configDir: loaded.dir,
				account,
				region,
				environment: rehearsal ? rehearsal.environmentFor(account.accountId) : process.env,
				...(rehearsal ? {standIn: {endpoint: rehearsal.awsEndpoint, credentials: rehearsal.credentialsFor(account.accountId)}} : {}),
				...(sharedPace ? {sharedPace} : {}),
				...(store.mirror ? {beforeAwsCall: () => store.journaled(), sharedState: store.mirror.backend.handOff} : {}),
			});
		},
		async runSecrets(services, account, {region, typed, signal}) {
			const {createRunSecrets} = await import('../services/run-secrets');
			return createRunSecrets(services.environment, typed, {
				references: secretReferencesOf(loaded.config, account),
				target: async () => ({
					clients: await services.aws(),
					region,
					accountId: account.accountId,
					signal,
					...(rehearsal ? {endpoint: rehearsal.awsEndpoint} : {}),
				}),
			});
		},
		notifying: (sink, account, secrets, resumeCommand) =>
			notifier ? notifyingSink(sink, notifier, createNotificationComposer(account, resumeCommand), secrets) : sink,
		async imageHoldings(services, where) {
			const {imageHoldings} = await import('../images/image-holdings');
			return imageHoldings((await services.aws()).ec2, where);
		},
		async stackVersion(services, rack, fleet, signal) {
			const {cloudformation} = await services.aws();
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
		async stackChangedSince(services, rack, preview, signal) {
			const {cloudformation} = await services.aws();
			const {describeStack} = await import('../services/cloudformation/stack');
			const {changeSincePreview} = await import('../steps/change-set-approval');
			return changeSincePreview(preview, await describeStack(cloudformation, rack.stackName, signal));
		},
		async copyImage(services, {source, regions, fleetRunId, signal, onProgress}) {
			const aws = await services.aws();
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
					...(rehearsal ? REHEARSAL_COPY_POLL : {}),
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
	};
}
