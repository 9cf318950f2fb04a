import {describe, expect, it} from 'vitest';
import type {RegionInventory} from '../../source/images/image-usage';
import {prunePlan} from '../../source/images/prune-plan';
import type {OwnImage} from '../../source/services/own-images';

const NOW = new Date('2026-12-01T00:00:00.000Z');
const SETTINGS = {keep: 1, minAgeDays: 30, now: NOW};
const noJournal = {built: [], rollbackTargets: []};

function image(imageId: string, region: string, creationDate: string, tags: Record<string, string> = {}): OwnImage {
	return {
		imageId,
		region,
		state: 'available',
		creationDate,
		tags: {ReleaseRun: 'r', ...tags},
		deregistrationProtection: false,
		snapshots: [],
	};
}

function inventory(region: string, images: OwnImage[], instances: Array<{instanceId: string; imageId: string}> = []): RegionInventory {
	return {
		accountId: '111111111111',
		accountNames: ['dev'],
		region,
		images,
		stacks: [],
		launchTemplates: [],
		launchConfigurations: {references: []},
		instances: instances.map(instance => ({...instance, state: 'running'})),
		lastLaunched: {},
	};
}

const copyOf = (imageId: string, source: string, creationDate: string) =>
	image(imageId, 'eu-west-1', creationDate, {FleetRun: 'f', SourceAmiId: source, SourceRegion: 'us-east-1'});

describe('prunePlan: a fleet copy goes with its source', () => {
	it('retires the copy with its source even where the copy is among the newest of its region', () => {
		const plan = prunePlan(
			[
				inventory('us-east-1', [
					image('ami-new', 'us-east-1', '2026-11-20T00:00:00Z'),
					image('ami-old', 'us-east-1', '2026-01-01T00:00:00Z'),
				]),
				inventory('eu-west-1', [copyOf('ami-old-eu', 'ami-old', '2026-01-01T01:00:00Z')]),
			],
			noJournal,
			SETTINGS,
		);
		const byId = Object.fromEntries(plan.map(entry => [entry.imageId, entry]));
		expect(byId['ami-old']).toMatchObject({next: 'deprecate', rule: 'retire'});
		expect(byId['ami-old-eu']).toMatchObject({next: 'deprecate', rule: 'retire'});
		expect(byId['ami-new']).toMatchObject({next: null, rule: 'newest'});
	});

	it('keeps the source and every copy when one of them is in use', () => {
		const plan = prunePlan(
			[
				inventory('us-east-1', [
					image('ami-new', 'us-east-1', '2026-11-20T00:00:00Z'),
					image('ami-old', 'us-east-1', '2026-01-01T00:00:00Z'),
				]),
				inventory('eu-west-1', [copyOf('ami-old-eu', 'ami-old', '2026-01-01T01:00:00Z')], [{instanceId: 'i-1', imageId: 'ami-old-eu'}]),
			],
			noJournal,
			SETTINGS,
		);
		const byId = Object.fromEntries(plan.map(entry => [entry.imageId, entry]));
		expect(byId['ami-old-eu']).toMatchObject({next: null, rule: 'in-use'});
		expect(byId['ami-old']).toMatchObject({
			next: null,
			rule: 'with-copy',
			why: expect.stringContaining('ami-old-eu in eu-west-1 is kept (in-use)'),
		});
	});

	it('keeps a copy whose source region was not read', () => {
		const plan = prunePlan([inventory('eu-west-1', [copyOf('ami-old-eu', 'ami-old', '2026-01-01T01:00:00Z')])], noJournal, {
			...SETTINGS,
			keep: 0,
		});
		expect(plan).toEqual([
			expect.objectContaining({imageId: 'ami-old-eu', next: null, rule: 'with-copy', why: expect.stringContaining('was not read')}),
		]);
	});

	it('a disabled image without a deprecation time is deprecated first, to start its grace period', () => {
		const disabled = {...image('ami-off', 'us-east-1', '2026-01-01T00:00:00Z'), state: 'disabled'};
		const plan = prunePlan([inventory('us-east-1', [disabled])], noJournal, {...SETTINGS, keep: 0});
		expect(plan).toEqual([expect.objectContaining({stage: 'disabled', next: 'deprecate', rule: 'retire'})]);
	});
});

describe('prunePlan: launch configurations', () => {
	it('keeps an image a launch configuration names, and names the configuration', () => {
		const plan = prunePlan(
			[
				{
					...inventory('us-east-1', [image('ami-legacy', 'us-east-1', '2026-01-01T00:00:00Z')]),
					launchConfigurations: {references: [{name: 'convox-dev-LaunchConfiguration-1', imageId: 'ami-legacy'}]},
				},
			],
			noJournal,
			{...SETTINGS, keep: 0},
		);
		expect(plan).toEqual([
			expect.objectContaining({next: null, rule: 'in-use', why: 'in use: launch configuration convox-dev-LaunchConfiguration-1'}),
		]);
	});

	it('retires nothing where the launch configurations could not be read, nor a copy of an image there', () => {
		const refused = {refused: 'AccessDenied: not authorized to perform: autoscaling:DescribeLaunchConfigurations'};
		const plan = prunePlan(
			[
				{...inventory('us-east-1', [image('ami-old', 'us-east-1', '2026-01-01T00:00:00Z')]), launchConfigurations: refused},
				inventory('eu-west-1', [copyOf('ami-old-eu', 'ami-old', '2026-01-01T01:00:00Z')]),
			],
			noJournal,
			{...SETTINGS, keep: 0},
		);
		const byId = Object.fromEntries(plan.map(entry => [entry.imageId, entry]));
		expect(byId['ami-old']).toMatchObject({
			next: null,
			rule: 'uses-unread',
			why: 'the launch configurations of 111111111111 us-east-1 could not be read (autoscaling:DescribeLaunchConfigurations refused): a use cannot be ruled out',
		});
		expect(byId['ami-old-eu']).toMatchObject({next: null, rule: 'with-copy', why: expect.stringContaining('(uses-unread)')});
	});
});
