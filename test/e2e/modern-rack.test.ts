import {readFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {AwsStandInOptions} from '../../source/rehearsal/aws-stand-in';
import {stacksFromDescribeStacks} from '../../source/rehearsal/aws/state';
import {createCliWorld, runCli} from '../support/cli-env';
import {createStackWorld, noticesOf, onImageRegistered, stepEvent, type StackWorld} from '../support/stack-e2e-world';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const versions = fixture('releases/versions.modern.sample.json');
const template2026 = fixture('releases/formation.20260421192651.json');
const templateAl2023 = fixture('releases/formation.20260708102410.al2023.assembled.json');
const withVersion = (template: {Parameters: Record<string, object>}, version: string) => ({
	...template,
	Parameters: {...template.Parameters, Version: {...template.Parameters.Version, Default: version}},
});

const AL2 = '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id';
const AL2_ARM = '/aws/service/ecs/optimized-ami/amazon-linux-2/arm64/recommended/image_id';
const AL2023 = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';
const AL2023_ARM = '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id';
const AL2_IMAGE = fixture('ssm/get-parameter.ecs-al2-recommended-image-id.json').Parameter.Value as string;
const AL2023_ARM_IMAGE = fixture('ssm/get-parameter.ecs-al2023-arm64-recommended-image-id.json').Parameter.Value as string;
const ssmParameters = {
	[AL2]: AL2_IMAGE,
	[AL2_ARM]: 'ami-0f5d5b3d3a8a7c9e1',
	[AL2023]: 'ami-0e1d2c3b4a5f60718',
	[AL2023_ARM]: AL2023_ARM_IMAGE,
};
const images = [
	{imageId: AL2_IMAGE, name: 'amzn2-ami-ecs-hvm-2.0.20261118-x86_64-ebs', architecture: 'x86_64'},
	{imageId: 'ami-0f5d5b3d3a8a7c9e1', name: 'amzn2-ami-ecs-hvm-2.0.20261118-arm64-ebs', architecture: 'arm64'},
	{imageId: 'ami-0e1d2c3b4a5f60718', name: 'al2023-ami-ecs-hvm-2023.0.20261120-kernel-6.1-x86_64', architecture: 'x86_64'},
	{imageId: AL2023_ARM_IMAGE, name: 'al2023-ami-ecs-hvm-2023.0.20261120-kernel-6.1-arm64', architecture: 'arm64'},
].map(image => ({...image, ownerId: '591542846629', ownerAlias: 'amazon', public: true}));

/** The real rack of describe-stacks.convox-rack.modern.json as convox-dev, with some parameters changed. */
function modernStack(parameters: Record<string, string>): AwsStandInOptions {
	const [stack] = stacksFromDescribeStacks(fixture('cloudformation/describe-stacks.convox-rack.modern.json'));
	return {
		stacks: [
			{
				...stack!,
				StackName: 'convox-dev',
				StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/convox-dev/6f0b2c10-5e1a-11f0-9c7e-0affd1b2c3d4',
				Parameters: stack!.Parameters!.map(parameter => ({
					ParameterKey: parameter.ParameterKey,
					ParameterValue: parameters[parameter.ParameterKey] ?? parameter.ParameterValue,
				})),
				template: template2026,
				instances: 2,
				instanceImageId: AL2_IMAGE,
			},
		],
		images,
		ssmParameters,
	};
}

const releases = {
	versions,
	formations: {
		'20251210124504': withVersion(template2026, '20251210124504'),
		'20260212195551': withVersion(template2026, '20260212195551'),
		'20260708102410': undefined,
	},
	rackJson: {'20260708102410': withVersion(templateAl2023, '20260708102410')},
};

const worlds: StackWorld[] = [];
afterEach(async () => {
	await Promise.all(worlds.splice(0).map(world => world.close()));
});

async function world(parameters: Record<string, string>): Promise<StackWorld> {
	const created = await createStackWorld({aws: modernStack(parameters), releases});
	worlds.push(created);
	return created;
}

const KEPT = ['DefaultAmi', 'DefaultAmiArm', 'InstanceType', 'BuildInstance'];
const kept = (values: Record<string, string>) => Object.fromEntries(KEPT.map(key => [key, values[key]]));
const journalOf = async (stand: StackWorld, runId: unknown) =>
	JSON.parse(await readFile(path.join(stand.stateDir, 'runs', `${String(runId)}.json`), 'utf8'));
const builds = (stand: StackWorld) => stand.aws.calls.filter(call => call.action === 'RegisterImage');
const stackWrites = (stand: StackWorld) =>
	stand.aws.writes().filter(call => ['CreateChangeSet', 'ExecuteChangeSet', 'UpdateStack'].includes(call.action));

describe('current Convox racks (templates from 20220728124649 on), end to end over the wire', () => {
	it('a rack on 20251210124504 with t3.large goes to the required 20260212195551 from the AMI SSM names for amazon-linux-2', async () => {
		const stand = await world({Version: '20251210124504', InstanceType: 't3.large'});
		const before = kept(stand.aws.state.parameters('convox-dev'));
		const result = await runCli([...stand.releaseArgs, '--json'], {cwd: stand.dir, env: stand.env});
		expect(result.code, result.stderr).toBe(0);
		const resolved = stepEvent(result.events, 'resolve-version', 'done');
		expect(resolved).toMatchObject({
			convoxVersion: '20260212195551',
			versionRule: 'required',
			nextVersion: '20260708102410',
			sourceAmi: AL2_IMAGE,
			amiSource: 'ssm',
			amiParameter: AL2,
			architecture: 'x86_64',
			buildInstanceType: 't3.large',
			instanceType: 't3.large',
			buildInstance: 't3.small',
		});
		expect(noticesOf(result.events, 'resolve-version')).toContainEqual(
			expect.stringContaining('20260212195551 is required before anything newer; run again afterwards for 20260708102410'),
		);
		expect(stand.aws.calls.filter(call => call.service === 'ssm').map(call => [call.action, call.params.Name])).toEqual([
			['GetParameter', AL2],
		]);
		const built = stepEvent(result.events, 'build', 'done');
		expect(stand.aws.state.image(String(built?.amiId))?.architecture).toBe('x86_64');
		const after = stand.aws.state.parameters('convox-dev');
		expect(after).toMatchObject({Ami: built?.amiId, Version: '20260212195551'});
		expect(kept(after)).toEqual(before);
		const journal = await journalOf(stand, result.events[0]?.runId);
		expect(journal.steps.find((step: {id: string}) => step.id === 'resolve-version').outputs).toMatchObject({
			amiParameter: AL2,
			architecture: 'x86_64',
			versionRule: 'required',
			amiReason: expect.stringContaining('InstanceARM'),
		});
	});

	it('a rack on 20260212195551 with m7g.large and a t4g.small builder goes to 20260708102410 from the AL2023 arm64 image (rack.json)', async () => {
		const stand = await world({Version: '20260212195551', InstanceType: 'm7g.large', BuildInstance: 't4g.small'});
		const before = kept(stand.aws.state.parameters('convox-dev'));
		const result = await runCli([...stand.releaseArgs, '--json'], {cwd: stand.dir, env: stand.env});
		expect(result.code, result.stderr).toBe(0);
		expect(stepEvent(result.events, 'resolve-version', 'done')).toMatchObject({
			convoxVersion: '20260708102410',
			versionRule: 'newest',
			sourceAmi: AL2023_ARM_IMAGE,
			amiParameter: AL2023_ARM,
			architecture: 'arm64',
			buildInstanceType: 't4g.large',
			buildInstance: 't4g.small',
			templateUrl: `${stand.releases.url}/20260708102410/rack.json`,
		});
		expect(stand.releases.requests.map(request => `${request.path} ${request.status}`)).toEqual(
			expect.arrayContaining(['/20260708102410/formation.json 404', '/20260708102410/rack.json 200']),
		);
		expect(stand.aws.writes().find(call => call.action === 'CreateChangeSet')?.params.TemplateURL).toBe(
			`${stand.releases.url}/20260708102410/rack.json`,
		);
		const built = stepEvent(result.events, 'build', 'done');
		expect(stand.aws.state.image(String(built?.amiId))?.architecture).toBe('arm64');
		const after = stand.aws.state.parameters('convox-dev');
		expect(after).toMatchObject({Ami: built?.amiId, Version: '20260708102410'});
		expect(kept(after)).toEqual(before);
		const journal = await journalOf(stand, result.events[0]?.runId);
		expect(journal.steps.find((step: {id: string}) => step.id === 'resolve-version').outputs).toMatchObject({
			amiParameter: AL2023_ARM,
			architecture: 'arm64',
			versionRule: 'newest',
		});
	});

	it('a rollback goes back to the template of the earlier version where it is published only as rack.json', async () => {
		const stand = await createStackWorld({
			aws: modernStack({Version: '20260212195551', Ami: AL2_IMAGE}),
			releases: {
				versions,
				formations: {'20260212195551': undefined, '20260708102410': undefined},
				rackJson: {
					'20260212195551': withVersion(template2026, '20260212195551'),
					'20260708102410': withVersion(templateAl2023, '20260708102410'),
				},
			},
		});
		worlds.push(stand);
		const release = await runCli([...stand.releaseArgs, '--json'], {cwd: stand.dir, env: stand.env});
		expect(release.code, release.stderr).toBe(0);
		expect(stepEvent(release.events, 'resolve-version', 'done')).toMatchObject({convoxVersion: '20260708102410', amiParameter: AL2023});
		const rollback = await runCli(['rollback', String(release.events[0]?.runId), '--yes', '--confirm', 'sumologic'], {
			cwd: stand.dir,
			env: stand.env,
		});
		expect(rollback.code, rollback.stderr).toBe(0);
		const creates = stand.aws.writes().filter(call => call.action === 'CreateChangeSet');
		expect(creates.map(call => call.params.TemplateURL)).toEqual([
			`${stand.releases.url}/20260708102410/rack.json`,
			`${stand.releases.url}/20260212195551/rack.json`,
		]);
		expect(stand.aws.state.parameters('convox-dev')).toMatchObject({Ami: AL2_IMAGE, Version: '20260212195551'});
	});

	it('an ARM base with an x86 BuildInstance, or the other way round, stops before building, naming both', async () => {
		const stand = await world({Version: '20260212195551', InstanceType: 'm7g.large', BuildInstance: 't3.small'});
		const result = await runCli(stand.releaseArgs, {cwd: stand.dir, env: stand.env});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('BuildInstance t3.small is x86_64');
		expect(result.stderr).toContain(`the base AMI ${AL2023_ARM_IMAGE} (InstanceType m7g.large) is arm64`);
		expect(stackWrites(stand)).toEqual([]);
		expect(builds(stand)).toEqual([]);

		const other = await world({Version: '20251210124504', InstanceType: 't3.large', BuildInstance: 't4g.small'});
		const reverse = await runCli(other.releaseArgs, {cwd: other.dir, env: other.env});
		expect(reverse.code).toBe(2);
		expect(reverse.stderr).toContain(
			`BuildInstance t4g.small is arm64, but it runs the same AMI as the instances, and the base AMI ${AL2_IMAGE} (InstanceType t3.large) is x86_64. Nothing was built.`,
		);
		expect(stackWrites(other)).toEqual([]);
		expect(builds(other)).toEqual([]);
	});

	it('checks the built AMI again before the stack update: an image of another architecture changes nothing', async () => {
		const stand = await world({Version: '20260212195551', InstanceType: 'm7g.large', BuildInstance: 't4g.small'});
		onImageRegistered(stand, image => {
			image.architecture = 'x86_64';
			stand.aws.state.commit();
		});
		const result = await runCli(stand.releaseArgs, {cwd: stand.dir, env: stand.env});
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(
			/The AMI ami-\w+ is x86_64, but InstanceType m7g\.large and BuildInstance t4g\.small need arm64\. Nothing was changed\./,
		);
		expect(builds(stand)).toHaveLength(1);
		expect(stackWrites(stand)).toEqual([]);
	});

	it('an SSM parameter that does not resolve ends with its path, the account and the region', async () => {
		const stand = await world({Version: '20251210124504', DefaultAmi: '/convox/custom/ami'});
		const result = await runCli(stand.releaseArgs, {cwd: stand.dir, env: stand.env});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(
			'The SSM parameter /convox/custom/ami does not exist in account 111111111111, region us-east-1 (ParameterNotFound)',
		);
		expect(stand.aws.calls.filter(call => call.service === 'ssm').map(call => call.error)).toEqual(['ParameterNotFound']);
		expect(stackWrites(stand)).toEqual([]);
		expect(builds(stand)).toEqual([]);
	});

	it('a pin past a required version is refused under --yes, and allowed with --skip-required', async () => {
		const stand = await world({Version: '20251210124504'});
		const refused = await runCli([...stand.releaseArgs, '--convox-version', '20260708102410'], {cwd: stand.dir, env: stand.env});
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain(
			'The pinned Convox version 20260708102410 jumps over the required version 20260212195551 (the stack is on 20251210124504)',
		);
		expect(refused.stderr).toContain('--skip-required');
		expect(stackWrites(stand)).toEqual([]);
		expect(builds(stand)).toEqual([]);

		const allowed = await runCli(
			['release', '--env', 'dev', '--yes', '--dry-run', '--json', '--convox-version', '20260708102410', '--skip-required'],
			{cwd: stand.dir, env: stand.env},
		);
		expect(allowed.code, allowed.stderr).toBe(0);
		expect(stepEvent(allowed.events, 'resolve-version', 'done')).toMatchObject({
			convoxVersion: '20260708102410',
			versionRule: 'pinned',
			amiParameter: AL2023,
		});
		expect(noticesOf(allowed.events, 'resolve-version')).toContainEqual(
			expect.stringContaining('Jumping over the required Convox 20260212195551 to 20260708102410 (--skip-required)'),
		);
	});

	it('a rollback of the first release of a current rack goes back to its stock AMI and verifies on it', async () => {
		const stand = await world({Version: '20251210124504'});
		const release = await runCli(stand.releaseArgs, {cwd: stand.dir, env: stand.env});
		expect(release.code, release.stderr).toBe(0);
		const runId = /run (\S+)/.exec(release.stdout)?.[1];
		const rollback = await runCli(['rollback', String(runId), '--yes', '--json', '--confirm', 'sumologic'], {
			cwd: stand.dir,
			env: stand.env,
		});
		expect(rollback.code, rollback.stderr).toBe(0);
		expect(stand.aws.state.parameters('convox-dev')).toMatchObject({Ami: '', Version: '20251210124504'});
		expect(rollback.events).toContainEqual(
			expect.objectContaining({type: 'check', id: 'instances', status: 'pass', detail: `2 of 2 on ${AL2_IMAGE}`}),
		);
	});

	it('checklist on a current rack on its stock AMI: the instances run what CloudFormation resolved DefaultAmi to', async () => {
		const stand = await world({Version: '20251210124504'});
		const result = await runCli(['checklist', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'], {
			cwd: stand.dir,
			env: stand.env,
		});
		expect(result.code, result.stderr).toBe(0);
		expect(result.events).toContainEqual(
			expect.objectContaining({type: 'check', id: 'instances', status: 'pass', detail: `2 of 2 on ${AL2_IMAGE}`}),
		);
		expect(stand.aws.writes()).toEqual([]);
	});

	it('plan shows the same rule and where the base AMI comes from, reading from AWS only the instance role', async () => {
		const stand = await createCliWorld({releases});
		try {
			const result = await runCli(['plan', '--env', 'dev'], {cwd: stand.dir, env: stand.env});
			expect(result.code, result.stderr).toBe(0);
			expect(result.stdout).toContain('Convox **20260708102410**');
			expect(result.stdout).toContain(
				"the first published version marked `required` that is newer than the stack's Version (of 20220728124649, 20260212195551), else the newest published",
			);
			expect(result.stdout).toContain(
				`or of DefaultAmiArm (default \`${AL2023_ARM}\`) when the stack's InstanceType is ARM by the template's InstanceARM condition`,
			);
			expect(stand.aws.calls.map(call => call.action)).toEqual(['DescribeInstances', 'GetInstanceProfile', 'SimulatePrincipalPolicy']);
			expect(result.stdout).toMatch(/Instance role: Instance role convox-dev-\S+ may publish metrics \(cloudwatch:PutMetricData\)\./);
		} finally {
			await stand.close();
		}
	});
});
