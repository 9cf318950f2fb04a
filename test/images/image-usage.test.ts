import {describe, expect, it} from 'vitest';
import {parseConfig} from '../../source/config/load-config';
import {formatImagesTable} from '../../source/images/format-images';
import {imagePlaces, selectedAccounts} from '../../source/images/image-places';
import {imageRows, type RegionInventory} from '../../source/images/image-usage';
import {journalImages} from '../../source/images/journal-images';
import {createRun} from '../../source/workflow/plan';
import type {Run, StepRecord} from '../../source/core/types';

function run(id: string, account: string, outputs: {build?: object; 'update-stack'?: object}, mode: Run['mode'] = 'live'): Run {
	const created = createRun({
		id,
		kind: 'release',
		account,
		mode,
		production: false,
		options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
	});
	const steps = created.steps.map((step): StepRecord =>
		step.id in outputs ? {...step, status: 'done', outputs: outputs[step.id as keyof typeof outputs]!} : step,
	);
	return {...created, steps};
}

const emptyInventory: RegionInventory = {
	accountId: '111111111111',
	accountNames: ['dev'],
	region: 'us-east-1',
	images: [],
	stacks: [],
	launchTemplates: [],
	launchConfigurations: {references: []},
	instances: [],
	lastLaunched: {},
};

const image = (imageId: string, tags: Record<string, string>, creationDate = '2026-11-01T00:00:00.000Z') => ({
	imageId,
	region: 'us-east-1',
	state: 'available',
	name: `convox-dev-${imageId}`,
	creationDate,
	tags,
	deregistrationProtection: false,
	snapshots: [],
});

describe('journalImages', () => {
	it('knows the AMIs runs built in each region and those a rollback would put back; the stock image is not one', () => {
		const journal = journalImages([
			run('r1', 'dev', {build: {amiId: 'ami-1', amiIds: {'us-east-1': 'ami-1', 'eu-west-1': 'ami-1eu'}}}),
			run('r2', 'dev', {'update-stack': {previousAmi: 'ami-1', previousVersion: '1', stackStatus: 'UPDATE_COMPLETE'}}),
			run('r3', 'dev', {'update-stack': {previousAmi: '', previousVersion: '1', stackStatus: 'UPDATE_COMPLETE'}}),
			run('r4', 'dev', {'update-stack': {previousAmi: 'ami-9', previousVersion: '1', stackStatus: 'UPDATE_COMPLETE'}}, 'dry-run'),
		]);
		expect(journal.built).toEqual([
			{imageId: 'ami-1', region: 'us-east-1', account: 'dev', runId: 'r1'},
			{imageId: 'ami-1eu', region: 'eu-west-1', account: 'dev', runId: 'r1'},
		]);
		expect(journal.rollbackTargets).toEqual([{imageId: 'ami-1', region: 'us-east-1', account: 'dev', runId: 'r2'}]);
	});
});

describe('imageRows', () => {
	it('joins each image with the stacks, rollbacks, launch templates, launch configurations and instances that name it', () => {
		const inventory: RegionInventory = {
			...emptyInventory,
			images: [
				image('ami-stack', {ReleaseRun: 'r-built', ConvoxVersion: '20260708102410', SourceAmi: 'ami-base'}, '2026-11-30T00:00:00.000Z'),
				image('ami-copy', {ReleaseRun: 'r-built', FleetRun: 'fleet-1', SourceAmiId: 'ami-x'}),
				image('ami-untagged', {}, '2026-01-01T00:00:00.000Z'),
				image('ami-legacy', {ReleaseRun: 'r-legacy'}, '2025-12-01T00:00:00.000Z'),
			],
			stacks: [
				{stackName: 'convox-dev', amiId: 'ami-stack'},
				{stackName: 'convox-gone', amiId: undefined},
			],
			launchTemplates: [{id: 'lt-1', name: 'builder', version: 4, imageId: 'ami-copy'}],
			launchConfigurations: {
				references: [
					{name: 'convox-dev-LaunchConfiguration-1', imageId: 'ami-legacy'},
					{name: 'convox-dev-LaunchConfiguration-2', imageId: 'ami-legacy'},
				],
			},
			instances: [
				{instanceId: 'i-1', imageId: 'ami-stack', state: 'running'},
				{instanceId: 'i-2', imageId: 'ami-copy', state: 'stopped'},
			],
			lastLaunched: {'ami-stack': '2026-11-30T12:00:00Z'},
		};
		const journal = {
			built: [{imageId: 'ami-untagged', region: 'us-east-1', account: 'dev', runId: 'r-operator'}],
			rollbackTargets: [
				{imageId: 'ami-untagged', region: 'us-east-1', account: 'dev', runId: 'r-later'},
				{imageId: 'ami-untagged', region: 'eu-west-1', account: 'dev', runId: 'r-elsewhere'},
			],
		};
		const rows = imageRows([inventory], journal, new Date('2026-12-07T00:00:00.000Z'));
		expect(rows.map(row => row.imageId)).toEqual(['ami-stack', 'ami-copy', 'ami-untagged', 'ami-legacy']);
		expect(rows[0]).toEqual({
			imageId: 'ami-stack',
			region: 'us-east-1',
			accountId: '111111111111',
			account: 'dev',
			name: 'convox-dev-ami-stack',
			createdAt: '2026-11-30T00:00:00.000Z',
			ageDays: 7,
			convoxVersion: '20260708102410',
			sourceAmi: 'ami-base',
			runId: 'r-built',
			usedBy: {stacks: ['convox-dev'], rollbackOf: [], launchTemplates: [], launchConfigurations: [], instances: ['i-1']},
			lastLaunchedAt: '2026-11-30T12:00:00Z',
		});
		expect(rows[1]).toMatchObject({
			runId: 'fleet-1',
			usedBy: {stacks: [], rollbackOf: [], launchTemplates: [{id: 'lt-1', name: 'builder', version: 4}], instances: ['i-2']},
			lastLaunchedAt: null,
		});
		expect(rows[2]).toMatchObject({runId: 'r-operator', convoxVersion: '', usedBy: {rollbackOf: [{rack: 'dev', runId: 'r-later'}]}});
		expect(rows[3]!.usedBy).toEqual({
			stacks: [],
			rollbackOf: [],
			launchTemplates: [],
			launchConfigurations: ['convox-dev-LaunchConfiguration-1', 'convox-dev-LaunchConfiguration-2'],
			instances: [],
		});
	});

	it('orders by account and region, then newest first', () => {
		const rows = imageRows(
			[
				{...emptyInventory, accountId: '222222222222', images: [image('ami-p', {ReleaseRun: 'p'})]},
				{...emptyInventory, region: 'us-west-2', images: [{...image('ami-w', {ReleaseRun: 'w'}), region: 'us-west-2'}]},
				{...emptyInventory, images: [image('ami-old', {ReleaseRun: 'o'}, '2025-01-01T00:00:00Z'), image('ami-new', {ReleaseRun: 'n'})]},
			],
			{built: [], rollbackTargets: []},
			new Date('2026-12-07T00:00:00.000Z'),
		);
		expect(rows.map(row => row.imageId)).toEqual(['ami-new', 'ami-old', 'ami-w', 'ami-p']);
	});
});

describe('formatImagesTable', () => {
	it('one line per image under fixed columns; in use says unused, names a single use and counts several', () => {
		const inventory: RegionInventory = {
			...emptyInventory,
			images: [
				image('ami-used', {ReleaseRun: 'r1'}, '2026-12-01T00:00:00Z'),
				image('ami-unused', {}, '2026-11-01T00:00:00Z'),
				image('ami-legacy', {}, '2026-10-01T00:00:00Z'),
			],
			stacks: [{stackName: 'convox-dev', amiId: 'ami-used'}],
			launchTemplates: [{id: 'lt-1', name: '', version: 1, imageId: 'ami-used'}],
			launchConfigurations: {
				references: [
					{name: 'convox-dev-LC-1', imageId: 'ami-used'},
					{name: 'convox-dev-LC-2', imageId: 'ami-used'},
					{name: 'convox-old-LC', imageId: 'ami-legacy'},
				],
			},
			instances: [
				{instanceId: 'i-1', imageId: 'ami-used', state: 'running'},
				{instanceId: 'i-2', imageId: 'ami-used', state: 'running'},
			],
		};
		const journal = {built: [], rollbackTargets: [{imageId: 'ami-used', region: 'us-east-1', account: 'prod', runId: 'r2'}]};
		const lines = formatImagesTable(imageRows([inventory], journal, new Date('2026-12-07T00:00:00Z'))).split('\n');
		expect(lines).toEqual([
			'IMAGE       REGION     ACCOUNT  NAME                   AGE  CONVOX  BASE  RUN  LAST LAUNCHED  IN USE',
			'ami-used    us-east-1  dev      convox-dev-ami-used    6d   -       -     r1   -              stack convox-dev, rollback of prod, launch template lt-1, 2 launch configurations, 2 instances',
			'ami-unused  us-east-1  dev      convox-dev-ami-unused  36d  -       -     -    -              unused',
			'ami-legacy  us-east-1  dev      convox-dev-ami-legacy  67d  -       -     -    -              launch configuration convox-old-LC',
		]);
	});
});

describe('formatImagesTable with a fleet', () => {
	it('shows the first of the racks sharing an account and counts the others', () => {
		const inventory = {
			...emptyInventory,
			accountNames: ['prod-us-1', 'prod-us-2', 'prod-us-3'],
			images: [image('ami-p', {ReleaseRun: 'r'})],
		};
		const [row] = imageRows([inventory], {built: [], rollbackTargets: []}, new Date('2026-12-07T00:00:00Z'));
		expect(row!.account).toBe('prod-us-1,prod-us-2,prod-us-3');
		expect(formatImagesTable([row!]).split('\n')[1]).toMatch(/^ami-p\s+us-east-1\s+prod-us-1 \+2\s+convox-dev-ami-p /);
	});
});

describe('imagePlaces', () => {
	const config = parseConfig(
		{
			region: 'us-east-1',
			accounts: {
				dev: {accountId: '111111111111', stackName: 'convox-dev'},
				'dev-eu': {accountId: '111111111111', stackName: 'convox-dev-eu', region: 'eu-west-1'},
				staging: {accountId: '111111111111', stackName: 'convox-staging'},
				prod: {accountId: '222222222222', stackName: 'convox-prod'},
			},
			fleets: {all: {waves: [['dev'], ['dev-eu', 'prod']]}},
		},
		'test',
	);
	const noJournal = {built: [], rollbackTargets: []};

	it('lists each account and region once, with every rack stack there, selected or not', () => {
		expect(imagePlaces(config, ['dev'], noJournal)).toEqual([
			{accountId: '111111111111', region: 'us-east-1', reader: 'dev', accountNames: ['dev'], stackNames: ['convox-dev', 'convox-staging']},
		]);
		expect(
			imagePlaces(config, selectedAccounts(config, {fleet: 'all'}, 'test'), noJournal).map(place => `${place.accountId} ${place.region}`),
		).toEqual(['111111111111 us-east-1', '111111111111 eu-west-1', '222222222222 us-east-1']);
	});

	it('adds the regions where runs of the selected accounts built, unless --region names the one region', () => {
		const journal = {built: [{imageId: 'ami-1', region: 'ap-southeast-2', account: 'dev', runId: 'r'}], rollbackTargets: []};
		expect(imagePlaces(config, ['dev'], journal).map(place => place.region)).toEqual(['us-east-1', 'ap-southeast-2']);
		expect(imagePlaces(config, ['prod'], journal).map(place => place.region)).toEqual(['us-east-1']);
		expect(imagePlaces(config, ['dev', 'dev-eu'], journal, 'us-west-2')).toEqual([
			{
				accountId: '111111111111',
				region: 'us-west-2',
				reader: 'dev',
				accountNames: ['dev', 'dev-eu'],
				stackNames: ['convox-dev', 'convox-dev-eu', 'convox-staging'],
			},
		]);
	});

	it('refuses an account or fleet the config does not have', () => {
		expect(selectedAccounts(config, {}, 'test')).toEqual(['dev', 'dev-eu', 'staging', 'prod']);
		expect(() => selectedAccounts(config, {env: 'qa'}, 'test')).toThrow('No account "qa" in test');
		expect(() => selectedAccounts(config, {fleet: 'some'}, 'test')).toThrow('No fleet "some" in test; it has all');
	});
});
