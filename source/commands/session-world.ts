import type {LoadedConfig} from '../config/load-config';
import {secretReferencesOf} from '../config/secret-references';
import type {Rehearsal} from '../rehearsal/rehearsal';
import {createNotificationComposer} from '../services/notification-messages';
import {createNotifier, notifyingSink} from '../services/notifications';
import {stepRegistry} from '../steps/registry';
import type {JournalStore} from '../workflow/journal-store';
import type {OpenedWorld, SessionScreen, SessionWorld} from '../workflow/session-world';

/** The rehearsal's CopyImage is done in seconds: poll it accordingly. */
const REHEARSAL_COPY_POLL = {minDelaySeconds: 0.5, maxDelaySeconds: 2};

/** A session's config, the config file's or the rehearsal's (then its stand-ins are the world's AWS). */
export const openedWorld = (loaded: LoadedConfig, rehearsal?: Rehearsal): OpenedWorld => ({
	sessionWorld: (store, say) => sessionWorld(loaded, {store, rehearsal, say}),
});

/** The world a session is handed: the steps, and the services of the config's accounts, the rehearsal's stand-ins under --rehearse. */
function sessionWorld(
	loaded: LoadedConfig,
	{store, rehearsal, say}: {store: JournalStore; rehearsal: Rehearsal | undefined; say: SessionScreen['say']},
): SessionWorld {
	const {notify} = loaded.config;
	const notifier = notify?.length ? createNotifier({targets: notify, environment: process.env, say}) : undefined;
	return {
		loaded,
		steps: stepRegistry,
		async createServices(account, region, {sharedPace}) {
			const {servicesIn} = await import('../services/create-services');
			return servicesIn({config: loaded.config, configDir: loaded.dir, rehearsal}, account, region, {
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
			const {rackStackVersion} = await import('../services/cloudformation/rack-version');
			return rackStackVersion((await services.aws()).cloudformation, rack, fleet, signal);
		},
		async stackChangedSince(services, rack, preview, signal) {
			const {cloudformation} = await services.aws();
			const {describeStack} = await import('../services/cloudformation/stack');
			const {changeSincePreview} = await import('../steps/change-set-approval');
			return changeSincePreview(preview, await describeStack(cloudformation, rack.stackName, signal));
		},
		async copyImage(services, request) {
			const aws = await services.aws();
			const {copyFleetImage} = await import('../services/ami-copies');
			return copyFleetImage(async region => aws.ec2For(region), request, rehearsal ? REHEARSAL_COPY_POLL : {});
		},
		notificationsSettled: async () => notifier?.settled(),
	};
}
