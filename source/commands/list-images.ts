import type {AccountConfig, Config} from '../config/schema';
import {formatImagesTable} from '../images/format-images';
import {imagePlaces, selectedAccounts, type ImagePlace} from '../images/image-places';
import {imageRows} from '../images/image-usage';
import {journalImages} from '../images/journal-images';
import {readInventory} from '../images/read-inventory';
import type {Rehearsal} from '../rehearsal/rehearsal';
import {getCallerIdentity} from '../services/caller-identity';
import {createServices} from '../services/create-services';
import type {AwsClients} from '../core/ports';
import {EXIT, UsageError, type ExitCode} from '../core/errors';
import {JournalStore} from '../workflow/journal-store';
import {runModeOf} from '../core/run-mode';
import {acquireStateLock, type StateLock} from '../workflow/state-lock';
import type {CommandInput} from './cli-options';

interface World {
	config: Config;
	configDir: string;
	configPath: string;
	rehearsal?: Rehearsal;
}

function clientsFor(world: World, account: AccountConfig, region: string): Promise<AwsClients> {
	const {rehearsal} = world;
	return createServices({
		config: world.config,
		configDir: world.configDir,
		account,
		region,
		env: rehearsal ? rehearsal.envFor(account.accountId) : process.env,
		...(rehearsal ? {standIn: {endpoint: rehearsal.awsEndpoint, credentials: rehearsal.credentialsFor(account.accountId)}} : {}),
	}).aws();
}

/** As the release's account step: credentials of another account than the config says are refused before any read. */
async function checkAccount(world: World, name: string, aws: AwsClients): Promise<void> {
	const account = world.config.accounts[name]!;
	const identity = await getCallerIdentity(aws.sts, account.profile ?? process.env.AWS_PROFILE);
	if (identity.accountId === account.accountId) return;
	throw new UsageError(
		`Wrong AWS account: the credentials${account.profile ? ` of profile ${account.profile}` : ''} belong to ${identity.accountId} (${identity.arn}), but the config says ${name} is ${account.accountId}. Nothing was read.`,
		`Sign in to ${account.accountId}${account.profile ? ` (aws sso login --profile ${account.profile})` : ''} or fix accounts.${name}.accountId.`,
	);
}

async function listIn(world: World, input: CommandInput): Promise<ExitCode> {
	const {flags} = input;
	const selected = selectedAccounts(world.config, flags, world.configPath);
	const {runs, unreadable} = await new JournalStore(input.stateDir).list();
	for (const {file, problem} of unreadable) process.stderr.write(`! ${file} was not read: ${problem}\n`);
	// A rehearsal's AMIs exist only in its stand-in, a live run's only in AWS.
	const journal = journalImages(runs.filter(run => runModeOf(run).world === (world.rehearsal ? 'rehearsal' : 'live')));
	const places = imagePlaces(world.config, selected, journal, flags.region);
	const clients = new Map<ImagePlace, AwsClients>();
	for (const place of places) clients.set(place, await clientsFor(world, world.config.accounts[place.reader]!, place.region));
	// Every selected account's credentials are checked before anything is read.
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
		for (const stack of inventory.stacks.filter(stack => stack.ami === undefined)) {
			process.stderr.write(`! The stack ${stack.stackName} does not exist in ${inventory.accountId} ${inventory.region}.\n`);
		}
	}
	const rows = imageRows(inventories, journal, new Date());
	if (rows.length === 0) {
		const where = places.map(place => `${place.accountId} ${place.region}`).join(', ');
		// With --json, stdout stays a stream of images (none); the notice goes to stderr.
		(flags.json ? process.stderr : process.stdout).write(`No AMI made by convox-ami in ${where}.\n`);
	} else if (flags.json) {
		for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
	} else {
		process.stdout.write(`${formatImagesTable(rows)}\n`);
	}
	return EXIT.ok;
}

/** `convox-ami images`: every AMI this tool made in the selected accounts and regions, with where it is used. */
export async function listImages(input: CommandInput): Promise<ExitCode> {
	if (!input.flags.rehearse) {
		const {loadConfig} = await import('../config/load-config');
		const loaded = await loadConfig(input.configPath);
		return listIn({config: loaded.config, configDir: loaded.dir, configPath: loaded.path}, input);
	}
	// The rehearsal's stand-in keeps its world in the state dir, which one process drives at a time.
	let lock: StateLock | undefined;
	let rehearsal: Rehearsal | undefined;
	try {
		lock = await acquireStateLock(input.stateDir, 'convox-ami images');
		const {startRehearsal} = await import('../rehearsal/rehearsal');
		rehearsal = await startRehearsal(input.stateDir, input.flags.fleet ? {fleet: input.flags.fleet} : {});
		const {config, dir, path} = rehearsal.config;
		return await listIn({config, configDir: dir, configPath: path, rehearsal}, input);
	} finally {
		await rehearsal?.stop();
		lock?.release();
	}
}
