import {copyFile, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createChecklistWorld, type ChecklistWorld} from '../support/checklist-e2e-world';
import {runCli} from '../support/cli-env';
import {runCliUntil, type CliOutcome, type KillWhen} from '../support/fault-cli';

const OPERATOR_TEMPLATE = new URL('../fixtures/operator-template/packer.json', import.meta.url).pathname;
const RELEASE = ['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'];
/** The ECS-optimized base of the 2016 formation (RegionConfig) in each region: one name, one owner, two ids. */
const BASE = {name: 'amzn-ami-2016.03.h-amazon-ecs-optimized', ownerId: '591542846629', ownerAlias: 'amazon', public: true};
const BASE_EU = 'ami-078df974';
const BASE_US = 'ami-6bb2d67c';

let worlds: ChecklistWorld[] = [];
afterEach(async () => {
	await Promise.all(worlds.map(world => world.close()));
	worlds = [];
});

const notices = (outcome: CliOutcome) => outcome.events.filter(event => event.type === 'notice').map(event => String(event.message));
const stepOutputs = (outcome: CliOutcome, step: string) =>
	outcome.events.find(event => event.type === 'step' && event.step === step && event.status === 'done')?.outputs as Record<string, unknown>;

/** A rack in eu-west-1 whose config names a template; the base AMI published in both regions. */
async function rackInEuWest1(template: 'operator' | 'shipped'): Promise<ChecklistWorld> {
	const world = await createChecklistWorld({released: false});
	worlds.push(world);
	const config = JSON.parse(await readFile(world.configPath, 'utf8')) as Record<string, unknown>;
	await writeFile(world.configPath, JSON.stringify({...config, region: 'eu-west-1'}));
	if (template === 'operator') await copyFile(OPERATOR_TEMPLATE, path.join(world.dir, 'packer', 'packer.json'));
	world.aws.state.registerImage({...BASE, imageId: BASE_EU, region: 'eu-west-1'});
	world.aws.state.registerImage({...BASE, imageId: BASE_US, region: 'us-east-1'});
	return world;
}

describe('the region the template really builds in', () => {
	it('a rack in eu-west-1, a template hard-wired to us-east-1: the plan says so; built there from its base, copied to eu-west-1, the copy rolled out', async () => {
		const world = await rackInEuWest1('operator');
		const plan = await runCli(['plan', '--env', 'dev', '--config', world.configPath], {cwd: world.dir, env: world.env});
		expect(plan.code, plan.stderr).toBe(0);
		expect(plan.stdout).toContain(
			"The template's builder builds in **us-east-1** (written in it): the AMI is built there from the same base image",
		);
		const outcome = await runCliUntil([...RELEASE, '--config', world.configPath, '--state-dir', world.stateDir], {env: world.env});
		expect(outcome.exitCode, outcome.stderr).toBe(0);
		const said = notices(outcome);
		expect(said).toContain(
			`The template builds in us-east-1 (written in its builder, not a variable): the AMI is built there from ${BASE_US} (${BASE.name}, the base ${BASE_EU} of eu-west-1) and copied to eu-west-1.`,
		);
		expect(said).toContain('Region: eu-west-1, built in us-east-1 and copied');
		expect(stepOutputs(outcome, 'template')).toMatchObject({region: 'eu-west-1', buildRegion: 'us-east-1', sourceAmi: BASE_US});
		expect(said.find(message => message.startsWith('Running '))).toContain('AWS_REGION=us-east-1');

		const calls = world.aws.calls.filter(call => !call.error);
		const registered = calls.filter(call => call.action === 'RegisterImage');
		expect(registered.map(call => call.region)).toEqual(['us-east-1']);
		const built = world.aws.state.data.images.find(image => image.region === 'us-east-1' && image.tags.SourceAmi === BASE_US);
		expect(built).toBeDefined();
		const copies = calls.filter(call => call.action === 'CopyImage');
		expect(copies).toHaveLength(1);
		expect(copies[0]).toMatchObject({
			region: 'eu-west-1',
			params: expect.objectContaining({SourceRegion: 'us-east-1', SourceImageId: built!.imageId}),
		});

		const build = stepOutputs(outcome, 'build');
		const copy = world.aws.state.data.images.find(image => image.region === 'eu-west-1' && image.tags.SourceAmiId === built!.imageId);
		expect(build).toMatchObject({amiId: copy!.imageId, amiIds: {'us-east-1': built!.imageId, 'eu-west-1': copy!.imageId}});
		expect(said).toContain(`${copy!.imageId} in eu-west-1 is the copy of ${built!.imageId}, built in us-east-1 where the template builds.`);
		expect(world.aws.state.parameters('convox-dev').Ami).toBe(copy!.imageId);
	}, 120_000);

	it('killed while the AMI is copied to the rack: the resume finds the copy, nothing built or copied twice', async () => {
		const world = await rackInEuWest1('operator');
		const args = [...RELEASE, '--config', world.configPath, '--state-dir', world.stateDir];
		const killWhen: KillWhen = event => event.type === 'notice' && String(event.message).startsWith('eu-west-1: copying ');
		const killed = await runCliUntil(args, {env: world.env, killWhen});
		expect(killed.killed, killed.stderr).toBe(true);
		const resumed = await runCliUntil(['resume', ...args.slice(1).filter(arg => arg !== '--env' && arg !== 'dev')], {env: world.env});
		expect(resumed.exitCode, resumed.stderr).toBe(0);
		expect(notices(resumed).some(message => /^eu-west-1: found ami-\w+ \((pending|available)\), copied earlier/.test(message))).toBe(true);
		const calls = world.aws.calls.filter(call => !call.error);
		expect(calls.filter(call => call.action === 'RegisterImage')).toHaveLength(1);
		expect(calls.filter(call => call.action === 'CopyImage')).toHaveLength(1);
		expect(world.aws.state.parameters('convox-dev').Ami).toBe(stepOutputs(resumed, 'build').amiId);
	}, 180_000);

	it('a template whose builder reads {{user `region`}}: the rack region goes through that variable, built in eu-west-1, nothing copied', async () => {
		const world = await rackInEuWest1('shipped');
		const outcome = await runCliUntil([...RELEASE, '--config', world.configPath, '--state-dir', world.stateDir], {env: world.env});
		expect(outcome.exitCode, outcome.stderr).toBe(0);
		expect(notices(outcome)).toContain('Region: eu-west-1 (passed to the builder through the variable region)');
		expect(stepOutputs(outcome, 'template')).toMatchObject({region: 'eu-west-1', regionVariable: 'region', sourceAmi: BASE_EU});
		expect(stepOutputs(outcome, 'template').buildRegion).toBeUndefined();
		const calls = world.aws.calls.filter(call => !call.error);
		expect(calls.filter(call => call.action === 'RegisterImage').map(call => call.region)).toEqual(['eu-west-1']);
		expect(calls.filter(call => call.action === 'CopyImage')).toEqual([]);
	}, 120_000);
});
