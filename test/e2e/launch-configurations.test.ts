import {describe, expect, it} from 'vitest';
import {sharedCliWorld, type SharedCliWorld} from '../support/cli-env';
import {ami, daysAgo} from '../support/prune-world';

const DEV = '111111111111';
const LIFECYCLE = new Set(['EnableImageDeprecation', 'DisableImage', 'DeregisterImage', 'DeleteSnapshot']);

const AMI = {
	newest1: 'ami-0d000000000000001',
	newest2: 'ami-0d000000000000002',
	newest3: 'ami-0d000000000000003',
	/** Old and unused: the one prune may deprecate. */
	unused: 'ami-0d000000000000004',
	/** Each named only by a launch configuration; without it, each would move one stage. */
	legacyAvailable: 'ami-0d000000000000005',
	legacyDeprecated: 'ami-0d000000000000006',
	legacyDisabled: 'ami-0d000000000000007',
} as const;

const images = [
	ami(AMI.newest1, 40),
	ami(AMI.newest2, 50),
	ami(AMI.newest3, 60),
	ami(AMI.unused, 200),
	ami(AMI.legacyAvailable, 210),
	ami(AMI.legacyDeprecated, 220, {deprecationTime: daysAgo(20)}),
	ami(AMI.legacyDisabled, 230, {deprecationTime: daysAgo(40), state: 'disabled'}),
];

const configuration = (name: string, imageId: string) => ({name, imageId, accountId: DEV, region: 'us-east-1'});

/** The image-changing calls the stand-in answered since `from`, as `Action ImageId`. */
function lifecycleCalls(shared: SharedCliWorld, from: number): string[] {
	return shared.world.aws.calls
		.slice(from)
		.filter(call => LIFECYCLE.has(call.action))
		.map(call => `${call.action} ${String(call.params.ImageId ?? call.params.SnapshotId)}`);
}

describe('launch configurations keep their AMIs', () => {
	const shared = sharedCliWorld({
		aws: {
			images,
			// Three pages of two: the configurations naming our AMIs come on the second and the last.
			launchConfigurationsPageSize: 2,
			launchConfigurations: [
				configuration('convox-dev-LaunchConfiguration-A', 'ami-0c0000000000000aa'),
				configuration('convox-dev-LaunchConfiguration-B', 'ami-0c0000000000000bb'),
				configuration('convox-dev-LaunchConfiguration-C', AMI.legacyAvailable),
				configuration('convox-dev-LaunchConfiguration-D', AMI.legacyDeprecated),
				configuration('convox-dev-LaunchConfiguration-E', AMI.legacyDisabled),
			],
		},
	});

	it('images lists each with the launch configuration that names it, in --json and in the table', async () => {
		const before = shared.world.aws.calls.length;
		const listed = await shared.run(['images', '--env', 'dev', '--json']);
		expect(listed.code, listed.stderr).toBe(0);
		const usedBy = Object.fromEntries(listed.events.map(row => [row.imageId, row.usedBy]));
		expect(usedBy[AMI.legacyAvailable]).toEqual({
			stacks: [],
			rollbackOf: [],
			launchTemplates: [],
			launchConfigurations: ['convox-dev-LaunchConfiguration-C'],
			instances: [],
		});
		expect(usedBy[AMI.legacyDisabled]).toMatchObject({launchConfigurations: ['convox-dev-LaunchConfiguration-E']});
		expect(usedBy[AMI.unused]).toMatchObject({launchConfigurations: []});
		const pages = shared.world.aws.calls.slice(before).filter(call => call.action === 'DescribeLaunchConfigurations');
		expect(pages.map(call => [call.service, call.region, call.params.NextToken ?? null])).toEqual([
			['autoscaling', 'us-east-1', null],
			['autoscaling', 'us-east-1', '2'],
			['autoscaling', 'us-east-1', '4'],
		]);

		const table = await shared.run(['images', '--env', 'dev']);
		expect(table.stdout).toMatch(new RegExp(`^${AMI.legacyAvailable}\\s.*\\slaunch configuration convox-dev-LaunchConfiguration-C$`, 'm'));
		expect(table.stdout).toMatch(new RegExp(`^${AMI.unused}\\s.*\\sunused$`, 'm'));
	});

	it('prune keeps them at their stage (in-use) and retires only the unused one', async () => {
		const before = shared.world.aws.calls.length;
		const pruned = await shared.run(['prune', '--env', 'dev', '--yes', '--json']);
		expect(pruned.code, pruned.stderr).toBe(0);
		const plan = Object.fromEntries(pruned.events.filter(event => event.type === 'plan').map(entry => [entry.imageId, entry]));
		expect(plan[AMI.legacyAvailable]).toMatchObject({
			stage: 'available',
			next: null,
			rule: 'in-use',
			why: 'in use: launch configuration convox-dev-LaunchConfiguration-C',
		});
		expect(plan[AMI.legacyDeprecated]).toMatchObject({stage: 'deprecated', next: null, rule: 'in-use'});
		expect(plan[AMI.legacyDisabled]).toMatchObject({stage: 'disabled', next: null, rule: 'in-use'});
		expect(plan[AMI.unused]).toMatchObject({next: 'deprecate', rule: 'retire'});
		expect(lifecycleCalls(shared, before)).toEqual([`EnableImageDeprecation ${AMI.unused}`]);
	});
});

describe('launch configurations that cannot be read', () => {
	const shared = sharedCliWorld({
		aws: {images, autoScalingDenied: ['DescribeLaunchConfigurations']},
	});

	it('images says which permission is missing and still lists the images', async () => {
		const listed = await shared.run(['images', '--env', 'dev', '--json']);
		expect(listed.code, listed.stderr).toBe(0);
		expect(listed.events).toHaveLength(images.length);
		expect(listed.stderr).toContain(`! The launch configurations of ${DEV} us-east-1 were not read (AccessDenied: `);
		expect(listed.stderr).toContain('allow autoscaling:DescribeLaunchConfigurations');
	});

	it('prune retires nothing in that account and region, and says why in the plan', async () => {
		const before = shared.world.aws.calls.length;
		const pruned = await shared.run(['prune', '--env', 'dev', '--yes', '--json']);
		expect(pruned.code, pruned.stderr).toBe(0);
		const plan = pruned.events.filter(event => event.type === 'plan');
		expect(plan.filter(entry => entry.next !== null)).toEqual([]);
		const byId = Object.fromEntries(plan.map(entry => [entry.imageId, entry]));
		for (const imageId of [AMI.unused, AMI.legacyAvailable, AMI.legacyDeprecated, AMI.legacyDisabled]) {
			expect(byId[imageId]).toMatchObject({
				rule: 'uses-unread',
				why: `the launch configurations of ${DEV} us-east-1 could not be read (autoscaling:DescribeLaunchConfigurations refused): a use cannot be ruled out`,
			});
		}
		expect(lifecycleCalls(shared, before)).toEqual([]);

		const table = await shared.run(['prune', '--env', 'dev', '--dry-run']);
		expect(table.stdout).toMatch(
			new RegExp(`^${AMI.unused}\\s.*\\suses-unread\\s+the launch configurations of ${DEV} us-east-1 could not be read`, 'm'),
		);
	});
});
