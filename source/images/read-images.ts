import type {AccountConfig, Config} from '../config/schema';
import {UsageError} from '../core/errors';
import type {AwsClients} from '../core/ports';
import {runModeOf} from '../core/run-mode';
import type {Flags} from '../core/step';
import {getCallerIdentity} from '../services/caller-identity';
import {servicesIn, type AccountStandIn} from '../services/create-services';
import {JournalStore} from '../workflow/journal-store';
import {imagePlaces, selectedAccounts, type ImagePlace} from './image-places';
import type {RegionInventory} from './image-usage';
import {journalImages, type JournalImages} from './journal-images';
import {readInventory} from './read-inventory';

/** The config (the rehearsal's, under --rehearse) and, in a rehearsal, its AWS stand-in. */
export interface ImageWorld {
	config: Config;
	configDir: string;
	configPath: string;
	rehearsal?: AccountStandIn;
}

/** Which accounts and regions `images` and `prune` read, and where the journal is. */
export interface ImagesSelection {
	stateDir: string;
	flags: Pick<Flags, 'env' | 'fleet' | 'region'>;
	/** A line about something not read (a journal, a stack, the launch configurations): the command stays on. */
	warn: (line: string) => void;
}

/** What `images` and `prune` read: the places, a client for each, and the inventory of each. */
export interface ImagesRead {
	selected: string[];
	journal: JournalImages;
	places: ImagePlace[];
	clients: Map<ImagePlace, AwsClients>;
	inventories: RegionInventory[];
}

function clientsFor(world: ImageWorld, account: AccountConfig, region: string): Promise<AwsClients> {
	return servicesIn(world, account, region).aws();
}

/** As the release's account step: credentials of another account than the config says are refused before any read. */
async function checkAccount(world: ImageWorld, name: string, aws: AwsClients): Promise<void> {
	const account = world.config.accounts[name]!;
	const identity = await getCallerIdentity(aws.sts, account.profile ?? (world.rehearsal ? undefined : process.env.AWS_PROFILE));
	if (identity.accountId === account.accountId) return;
	throw new UsageError(
		`Wrong AWS account: the credentials${account.profile ? ` of profile ${account.profile}` : ''} belong to ${identity.accountId} (${identity.arn}), but the config says ${name} is ${account.accountId}. Nothing was read.`,
		`Sign in to ${account.accountId}${account.profile ? ` (aws sso login --profile ${account.profile})` : ''} or fix accounts.${name}.accountId.`,
	);
}

/** Every selected account's credentials checked (STS), then every place read. */
export async function readImages(world: ImageWorld, {stateDir, flags, warn}: ImagesSelection): Promise<ImagesRead> {
	const selected = selectedAccounts(world.config, flags, world.configPath);
	const {entries: runs, unreadable} = await new JournalStore(stateDir).list();
	for (const {file, problem} of unreadable) warn(`! ${file} was not read: ${problem}`);
	// A rehearsal's AMIs exist only in its stand-in, a live run's only in AWS.
	const journal = journalImages(runs.filter(run => runModeOf(run).world === (world.rehearsal ? 'rehearsal' : 'live')));
	const places = imagePlaces(world.config, selected, journal, flags.region);
	const clients = new Map<ImagePlace, AwsClients>();
	for (const place of places) clients.set(place, await clientsFor(world, world.config.accounts[place.reader]!, place.region));
	const checked = new Set<string>();
	for (const name of selected) {
		const account = world.config.accounts[name]!;
		const key = `${account.profile ?? ''}/${account.accountId}`;
		if (checked.has(key)) continue;
		checked.add(key);
		const place = places.find(candidate => candidate.accountNames.includes(name))!;
		await checkAccount(world, name, name === place.reader ? clients.get(place)! : await clientsFor(world, account, place.region));
	}
	const inventories = await Promise.all(places.map(place => readInventory(clients.get(place)!, place, journal)));
	for (const inventory of inventories) {
		for (const stack of inventory.stacks.filter(stack => stack.amiId === undefined)) {
			warn(`! The stack ${stack.stackName} does not exist in ${inventory.accountId} ${inventory.region}.`);
		}
		if ('refused' in inventory.launchConfigurations) {
			warn(
				`! The launch configurations of ${inventory.accountId} ${inventory.region} were not read (${inventory.launchConfigurations.refused}): allow autoscaling:DescribeLaunchConfigurations. Until then an AMI an Auto Scaling group launches from its launch configuration is not shown as in use there, and prune retires nothing there.`,
			);
		}
	}
	return {selected, journal, places, clients, inventories};
}
