import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {DescribeImagesCommand} from '@aws-sdk/client-ec2';
import {afterEach, describe, expect, it} from 'vitest';
import {startAwsStandIn, type AwsStandIn, type AwsStandInOptions} from '../../source/rehearsal/aws-stand-in';
import {AmiCopiesError, copyAmiToRegions, type AmiCopyOptions, type AmiCopyProgress} from '../../source/services/ami-copies';
import {createAwsClients} from '../../source/services/aws-clients';
import type {AwsClients} from '../../source/core/ports';

const COPY_CLI = fileURLToPath(new URL('../support/ami-copy-cli.ts', import.meta.url));
const FAST = {minDelaySeconds: 0.02, maxDelaySeconds: 0.1, maxWaitSeconds: 20};
const SOURCE_TAGS = {ReleaseRun: 'run-1', Version: '3f2c1ab', ConvoxVersion: '20160916121812'};

let aws: AwsStandIn | undefined;
const temporary: string[] = [];

afterEach(async () => {
	await aws?.close();
	aws = undefined;
	for (const dir of temporary.splice(0)) rmSync(dir, {recursive: true, force: true});
});

interface World {
	aws: AwsStandIn;
	clients: AwsClients;
	sourceAmiId: string;
	/** Copies the source AMI (or another of us-east-1) to this one region. */
	copyTo(targetRegion: string, options?: AmiCopyOptions, copy?: {amiId?: string; fleetRunId?: string}): ReturnType<typeof copyAmiToRegions>;
	copyCalls(): Array<{region?: string; params: Record<string, unknown>}>;
}

async function world(options: AwsStandInOptions = {}): Promise<World> {
	aws = await startAwsStandIn({tickMs: 20, imageCopies: {delayMs: 300}, ...options});
	const source = aws.state.registerImage({
		name: 'convox-dev-3f2c1ab',
		region: 'us-east-1',
		tags: SOURCE_TAGS,
		description: 'Convox rack AMI',
	});
	const clients = await createAwsClients({
		region: 'us-east-1',
		endpoint: aws.url,
		credentials: {accessKeyId: 'AKIAREHEARSAL0000000', secretAccessKey: 'rehearsal-secret'},
	});
	const standIn = aws;
	return {
		aws,
		clients,
		sourceAmiId: source.imageId,
		copyTo: (targetRegion, options = FAST, {amiId = source.imageId, fleetRunId = 'fleet-1'} = {}) =>
			copyAmiToRegions(
				async region => clients.ec2For(region),
				{region: 'us-east-1', amiId, name: source.name},
				[targetRegion],
				fleetRunId,
				options,
			),
		copyCalls: () => standIn.calls.filter(call => call.action === 'CopyImage'),
	};
}

/** The error of the one region a copy failed in. */
async function failureOf(copying: Promise<unknown>): Promise<Error> {
	const failure = await copying.catch((error: unknown) => error);
	expect(failure).toBeInstanceOf(AmiCopiesError);
	const {failures, copies} = failure as AmiCopiesError;
	expect(failures).toHaveLength(1);
	expect(copies).toEqual([]);
	expect((failure as Error).message).toBe(failures[0]!.error.message);
	return failures[0]!.error;
}

describe('copyAmiToRegions against the EC2 stand-in', () => {
	it('copies to every other region at once: encrypted, tags copied plus FleetRun/SourceAmiId, waited for until available', async () => {
		const w = await world({imageCopies: {delayMs: 600}});
		const progress: AmiCopyProgress[] = [];
		const copies = await copyAmiToRegions(
			async region => w.clients.ec2For(region),
			{region: 'us-east-1', amiId: w.sourceAmiId, name: 'convox-dev-3f2c1ab'},
			['eu-west-1', 'us-east-1', 'ap-southeast-2', 'eu-west-1'],
			'fleet-1',
			{...FAST, onProgress: event => progress.push(event)},
		);

		expect(copies.map(copy => copy.targetRegion)).toEqual(['eu-west-1', 'ap-southeast-2']);
		expect(copies.every(copy => !copy.adopted && copy.amiId !== w.sourceAmiId)).toBe(true);
		const calls = w.copyCalls();
		expect(calls.map(call => call.region).sort()).toEqual(['ap-southeast-2', 'eu-west-1']);
		for (const call of calls) {
			expect(call.params).toMatchObject({
				SourceRegion: 'us-east-1',
				SourceImageId: w.sourceAmiId,
				Name: 'convox-dev-3f2c1ab',
				Encrypted: 'true',
				CopyImageTags: 'true',
			});
			expect((call.params.TagSpecification as Array<{ResourceType: string}>).map(specification => specification.ResourceType)).toEqual([
				'image',
				'snapshot',
			]);
		}
		// Both copies were started before either was checked: they ran side by side.
		const firstCheck = w.aws.calls.findIndex(call => call.action === 'DescribeImageAttribute');
		expect(w.aws.calls.findLastIndex(call => call.action === 'CopyImage')).toBeLessThan(firstCheck);

		for (const copy of copies) {
			const {Images} = await w.clients.ec2For(copy.targetRegion).send(new DescribeImagesCommand({ImageIds: [copy.amiId]}));
			const image = Images![0]!;
			expect(image.State).toBe('available');
			expect(image.BlockDeviceMappings![0]!.Ebs!.Encrypted).toBe(true);
			expect(image.Tags).toEqual(
				expect.arrayContaining([
					{Key: 'ReleaseRun', Value: 'run-1'},
					{Key: 'ConvoxVersion', Value: '20160916121812'},
					{Key: 'FleetRun', Value: 'fleet-1'},
					{Key: 'SourceAmiId', Value: w.sourceAmiId},
					{Key: 'SourceRegion', Value: 'us-east-1'},
				]),
			);
		}
		// A copy exists in its own region only.
		await expect(w.clients.ec2.send(new DescribeImagesCommand({ImageIds: [copies[0]!.amiId]}))).rejects.toMatchObject({
			name: 'InvalidAMIID.NotFound',
		});
		expect(progress.filter(event => event.targetRegion === 'eu-west-1').map(event => event.phase)).toEqual([
			'copying',
			'waiting',
			'available',
		]);
		expect(progress.at(-1)!.message).toMatch(/^(eu-west-1|ap-southeast-2): ami-\w+ is available and private$/);
	});

	it('reports each region that failed, with the copies that succeeded', async () => {
		const w = await world({imageCopies: {delayMs: 100, failIn: ['eu-west-1'], failureReason: 'Snapshot copy failed'}});
		const failure = await copyAmiToRegions(
			async region => w.clients.ec2For(region),
			{region: 'us-east-1', amiId: w.sourceAmiId, name: 'convox-dev-3f2c1ab'},
			['eu-west-1', 'ap-southeast-2'],
			'fleet-1',
			FAST,
		).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(AmiCopiesError);
		const {failures, copies} = failure as AmiCopiesError;
		expect(failures.map(entry => entry.targetRegion)).toEqual(['eu-west-1']);
		expect(failures[0]!.error).toMatchObject({name: 'AmiCopyFailedError', targetRegion: 'eu-west-1'});
		expect(copies.map(copy => copy.targetRegion)).toEqual(['ap-southeast-2']);
	});
	it('keeps to the concurrency bound, names copies after the source, and an abort stops every region; the next call picks the copies up', async () => {
		const w = await world({imageCopies: {delayMs: 400}});
		const source = {region: 'us-east-1', amiId: w.sourceAmiId};
		const controller = new AbortController();
		const waiting = new Set<string>();
		const aborted = await copyAmiToRegions(
			async region => w.clients.ec2For(region),
			source,
			['eu-west-1', 'ap-southeast-2', 'sa-east-1'],
			'fleet-1',
			{
				...FAST,
				concurrency: 2,
				signal: controller.signal,
				onProgress: event => {
					if (event.phase === 'waiting') waiting.add(event.targetRegion);
					if (waiting.size === 2) controller.abort();
				},
			},
		).catch((error: unknown) => error);
		expect(aborted).toMatchObject({name: 'AbortError'});
		expect(
			w
				.copyCalls()
				.map(call => call.region)
				.sort(),
		).toEqual(['ap-southeast-2', 'eu-west-1']);

		const copies = await copyAmiToRegions(
			async region => w.clients.ec2For(region),
			source,
			['eu-west-1', 'ap-southeast-2', 'sa-east-1'],
			'fleet-1',
			{...FAST, concurrency: 1},
		);
		expect(copies.map(copy => [copy.targetRegion, copy.adopted])).toEqual([
			['eu-west-1', true],
			['ap-southeast-2', true],
			['sa-east-1', false],
		]);
		expect(w.copyCalls()).toHaveLength(3);
		// Without a name the copies take the source's name and description.
		expect(w.copyCalls().every(call => call.params.Name === 'convox-dev-3f2c1ab' && call.params.Description === 'Convox rack AMI')).toBe(
			true,
		);
		// One at a time: sa-east-1 was copied only after the others had been checked.
		const calls = w.aws.calls;
		expect(calls.findIndex(call => call.action === 'CopyImage' && call.region === 'sa-east-1')).toBeGreaterThan(
			calls.findLastIndex(call => call.action === 'DescribeImageAttribute' && call.region === 'ap-southeast-2'),
		);
	});
});

describe('copyAmiToRegions, one region at a time: resume and refusals', () => {
	it('waits for a pending copy from an earlier attempt (found by its tags) instead of copying again', async () => {
		const w = await world();
		const earlier = w.aws.state.copyImage({
			ownerId: '111111111111',
			sourceRegion: 'us-east-1',
			sourceImageId: w.sourceAmiId,
			targetRegion: 'eu-west-1',
			name: 'convox-dev-3f2c1ab',
			encrypted: true,
			copyTags: true,
			tags: {FleetRun: 'fleet-1', SourceAmiId: w.sourceAmiId},
		});
		expect(earlier.state).toBe('pending');
		const phases: string[] = [];
		const copies = await w.copyTo('eu-west-1', {...FAST, onProgress: event => phases.push(event.phase)});
		expect(copies).toEqual([{targetRegion: 'eu-west-1', amiId: earlier.imageId, adopted: true}]);
		expect(phases).toEqual(['found', 'waiting', 'available']);
		expect(w.aws.state.image(earlier.imageId)!.state).toBe('available');
		expect(w.copyCalls()).toHaveLength(0);
	});

	it('adopts an available copy at once, and copies again for another fleet run', async () => {
		const w = await world();
		const earlier = w.aws.state.registerImage({
			name: 'convox-dev-3f2c1ab',
			region: 'eu-west-1',
			tags: {FleetRun: 'fleet-1', SourceAmiId: w.sourceAmiId},
		});
		const phases: string[] = [];
		expect(await w.copyTo('eu-west-1', {...FAST, onProgress: event => phases.push(event.phase)})).toEqual([
			{targetRegion: 'eu-west-1', amiId: earlier.imageId, adopted: true},
		]);
		expect(phases).toEqual(['found', 'available']);
		expect(w.copyCalls()).toHaveLength(0);

		// Same source, another fleet run, and the earlier copy holds the name in that region.
		expect((await failureOf(w.copyTo('eu-west-1', FAST, {fleetRunId: 'fleet-2'}))).message).toBe(
			`Cannot copy ${w.sourceAmiId} to eu-west-1: AMI name convox-dev-3f2c1ab is already in use by AMI ${earlier.imageId}, an image this fleet run did not copy. Deregister it or give the build a new version, then resume.`,
		);
	});

	it('names the region and AMI of a failed copy, and a resume copies again', async () => {
		const w = await world({imageCopies: {delayMs: 50, failIn: ['eu-west-1'], failureReason: 'Snapshot copy failed'}});
		const failure = await failureOf(w.copyTo('eu-west-1'));
		expect(failure).toMatchObject({name: 'AmiCopyFailedError', targetRegion: 'eu-west-1', reason: 'Snapshot copy failed'});
		const {amiId} = failure as Error & {amiId: string};
		expect(amiId).toMatch(/^ami-\w+$/);
		expect(failure.message).toBe(
			`The copy ${amiId} in eu-west-1 failed: Snapshot copy failed. Resume to copy again (the failed image can be removed with aws ec2 deregister-image --region eu-west-1 --image-id ${amiId}).`,
		);

		expect(await failureOf(w.copyTo('eu-west-1'))).toMatchObject({name: 'AmiCopyFailedError', targetRegion: 'eu-west-1'});
		const tokens = w.copyCalls().map(call => call.params.ClientToken);
		expect(tokens).toHaveLength(2);
		expect(tokens[0]).not.toBe(tokens[1]);
	});

	it('refuses a copy that another account or the public may launch, with the remedy', async () => {
		const w = await world();
		const tags = {FleetRun: 'fleet-1', SourceAmiId: w.sourceAmiId};
		const shared = w.aws.state.registerImage({name: 'convox-dev-3f2c1ab', region: 'eu-west-1', tags, launchPermissions: ['333333333333']});
		const refused = await failureOf(w.copyTo('eu-west-1'));
		expect(refused).toMatchObject({
			name: 'AmiCopySharedError',
			targetRegion: 'eu-west-1',
			amiId: shared.imageId,
			access: {visibility: 'shared', with: ['333333333333']},
		});
		expect(refused.message).toBe(
			`The copy ${shared.imageId} in eu-west-1 can be launched by 333333333333, and it holds the Librato and logspout secrets. It is not used. Make it private (aws ec2 reset-image-attribute --region eu-west-1 --image-id ${shared.imageId} --attribute launchPermission), then resume.`,
		);

		const open = w.aws.state.registerImage({name: 'convox-dev-3f2c1ab', region: 'ap-southeast-2', tags, public: true});
		const refusedPublic = await failureOf(w.copyTo('ap-southeast-2'));
		expect(refusedPublic).toMatchObject({name: 'AmiCopySharedError', amiId: open.imageId, access: {visibility: 'public'}});
		expect(refusedPublic.message).toContain(`The copy ${open.imageId} in ap-southeast-2 is public: anyone can launch it`);
		expect(w.copyCalls()).toHaveLength(0);
	});

	it('stops cleanly when aborted during the wait, and a later call finds the copy again', async () => {
		const w = await world({imageCopies: {delayMs: 600}});
		const controller = new AbortController();
		const aborted = await w
			.copyTo('eu-west-1', {
				...FAST,
				signal: controller.signal,
				onProgress: event => {
					if (event.phase === 'waiting') setTimeout(() => controller.abort(), 50);
				},
			})
			.catch((error: unknown) => error);
		expect(aborted).toMatchObject({name: 'AbortError'});
		expect(w.copyCalls()).toHaveLength(1);

		const [copy] = await w.copyTo('eu-west-1');
		expect(copy!.adopted).toBe(true);
		expect(w.aws.state.image(copy!.amiId)!.state).toBe('available');
		expect(w.copyCalls()).toHaveLength(1);
	});

	it('does not copy an AMI this account did not build, one not yet available, or into its own region', async () => {
		const w = await world();
		expect(await w.copyTo('us-east-1')).toEqual([]);
		expect((await failureOf(w.copyTo('eu-west-1', FAST, {amiId: 'ami-6bb2d67c'}))).message).toBe(
			"The AMI ami-6bb2d67c is not among this account's images in us-east-1: only an AMI built in this account is copied to its other regions.",
		);
		const pending = w.aws.state.registerImage({name: 'convox-dev-pending', region: 'us-east-1', state: 'pending'});
		expect((await failureOf(w.copyTo('eu-west-1', FAST, {amiId: pending.imageId}))).message).toBe(
			`The AMI ${pending.imageId} in us-east-1 is pending; it can be copied once it is available.`,
		);
		expect(w.copyCalls()).toHaveLength(0);
	});
});

describe('copyAmiToRegions in a process killed mid-copy', () => {
	it('copies exactly once per region across a SIGKILL and a second run', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'ami-copies-'));
		temporary.push(dir);
		const stateFile = path.join(dir, 'aws.json');
		const first = await world({stateFile, imageCopies: {delayMs: 1500}});
		const regions = ['eu-west-1', 'ap-southeast-2'];
		const run = (url: string) =>
			spawn(process.execPath, ['--import', 'tsx', COPY_CLI, url, 'us-east-1', first.sourceAmiId, 'fleet-kill', ...regions], {
				stdio: ['ignore', 'pipe', 'pipe'],
			});

		const killed = run(first.aws.url);
		const exited = new Promise<NodeJS.Signals | null>(resolve => killed.once('exit', (_code, signal) => resolve(signal)));
		const deadline = Date.now() + 15_000;
		while (first.copyCalls().length < 2 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20));
		expect(first.copyCalls()).toHaveLength(2);
		killed.kill('SIGKILL');
		expect(await exited).toBe('SIGKILL');
		expect(first.aws.state.data.images.filter(image => image.copiedFrom).map(image => image.state)).toEqual(['pending', 'pending']);
		await first.aws.close();

		// The stand-in comes back from its state file, as a resumed rehearsal's does.
		aws = await startAwsStandIn({tickMs: 20, stateFile, imageCopies: {delayMs: 1500}});
		const second = run(aws.url);
		let output = '';
		second.stdout!.on('data', (chunk: Buffer) => {
			output += chunk.toString();
		});
		let errors = '';
		second.stderr!.on('data', (chunk: Buffer) => {
			errors += chunk.toString();
		});
		const code = await new Promise<number | null>(resolve => second.once('exit', resolve));
		expect(errors).toBe('');
		expect(code).toBe(0);
		const lines = output
			.trim()
			.split('\n')
			.map(line => JSON.parse(line) as {copies?: Array<{adopted: boolean; targetRegion: string}>; progress?: AmiCopyProgress});
		expect(lines.at(-1)!.copies!.map(copy => [copy.targetRegion, copy.adopted])).toEqual([
			['eu-west-1', true],
			['ap-southeast-2', true],
		]);
		expect(lines.filter(line => line.progress?.phase === 'copying')).toEqual([]);
		expect(aws.calls.filter(call => call.action === 'CopyImage')).toHaveLength(0);
		expect(aws.state.data.images.filter(image => image.copiedFrom).map(image => image.state)).toEqual(['available', 'available']);
	}, 30_000);
});
