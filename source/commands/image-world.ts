import type {AccountConfig, Config} from '../config/schema';
import {imagePlaces, selectedAccounts, type ImagePlace} from '../images/image-places';
import type {RegionInventory} from '../images/image-usage';
import {journalImages, type JournalImages} from '../images/journal-images';
import {readInventory} from '../images/read-inventory';
import type {Rehearsal} from '../rehearsal/rehearsal';
import {getCallerIdentity} from '../services/caller-identity';
import {createServices} from '../services/create-services';
import type {AwsClients} from '../core/ports';
import {UsageError, type ExitCode} from '../core/errors';
import {JournalStore} from '../workflow/journal-store';
import {runModeOf} from '../core/run-mode';
import {acquireStateLock, type StateLock} from '../workflow/state-lock';
import type {CommandInput} from './cli-options';

/** The config (the rehearsal's, under --rehearse) and, in a rehearsal, its stand-ins. */
export interface ImageWorld {
	config: Config;
	configDir: string;
	configPath: string;
	rehearsal?: Rehearsal;
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
	const {rehearsal} = world;
	return createServices({
		config: world.config,
		configDir: world.configDir,
		account,
		region,
		environment: rehearsal ? rehearsal.environmentFor(account.accountId) : process.env,
		...(rehearsal ? {standIn: {endpoint: rehearsal.awsEndpoint, credentials: rehearsal.credentialsFor(account.accountId)}} : {}),
	}).aws();
}

/** As the release's account step: credentials of another account than the config says are refused before any read. */
async function checkAccount(world: ImageWorld, name: string, aws: AwsClients): Promise<void> {
	const account = world.config.accounts[name]!;
	const identity = await getCallerIdentity(aws.sts, account.profile ?? process.env.AWS_PROFILE);
	if (identity.accountId === account.accountId) return;
	throw new UsageError(
		`Wrong AWS account: the credentials${account.profile ? ` of profile ${account.profile}` : ''} belong to ${identity.accountId} (${identity.arn}), but the config says ${name} is ${account.accountId}. Nothing was read.`,
		`Sign in to ${account.accountId}${account.profile ? ` (aws sso login --profile ${account.profile})` : ''} or fix accounts.${name}.accountId.`,
	);
}

/** Every selected account's credentials checked (STS), then every place read. */
export async function readImages(world: ImageWorld, input: CommandInput): Promise<ImagesRead> {
	const {flags} = input;
	const selected = selectedAccounts(world.config, flags, world.configPath);
	const {entries: runs, unreadable} = await new JournalStore(input.stateDir).list();
	for (const {file, problem} of unreadable) process.stderr.write(`! ${file} was not read: ${problem}\n`);
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
			process.stderr.write(`! The stack ${stack.stackName} does not exist in ${inventory.accountId} ${inventory.region}.\n`);
		}
		if ('refused' in inventory.launchConfigurations) {
			process.stderr.write(
				`! The launch configurations of ${inventory.accountId} ${inventory.region} were not read (${inventory.launchConfigurations.refused}): allow autoscaling:DescribeLaunchConfigurations. Until then an AMI an Auto Scaling group launches from its launch configuration is not shown as in use there, and prune retires nothing there.\n`,
			);
		}
	}
	return {selected, journal, places, clients, inventories};
}

/**
 * Runs `body` in the config's world, or the rehearsal's under --rehearse (whose stand-in keeps its
 * world in the state dir, which one process drives at a time). `lock`: hold the state lock in both.
 */
export async function inImageWorld(
	input: CommandInput,
	command: string,
	options: {lock: boolean},
	body: (world: ImageWorld) => Promise<ExitCode>,
): Promise<ExitCode> {
	let lock: StateLock | undefined;
	let rehearsal: Rehearsal | undefined;
	try {
		if (options.lock || input.flags.rehearse) lock = await acquireStateLock(input.stateDir, command);
		if (lock?.takenOver)
			process.stderr.write(
				`! Took over the lock left by pid ${lock.takenOver.pid} (\`${lock.takenOver.command}\`), which no longer runs.\n`,
			);
		if (!input.flags.rehearse) {
			const {loadConfig} = await import('../config/load-config');
			const loaded = await loadConfig(input.configPath);
			return await body({config: loaded.config, configDir: loaded.dir, configPath: loaded.path});
		}
		const {startRehearsal} = await import('../rehearsal/rehearsal');
		rehearsal = await startRehearsal(input.stateDir, input.flags.fleet ? {fleet: input.flags.fleet} : {});
		const {config, dir, path} = rehearsal.config;
		return await body({config, configDir: dir, configPath: path, rehearsal});
	} finally {
		await rehearsal?.stop();
		lock?.release();
	}
}
