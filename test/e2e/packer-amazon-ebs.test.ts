import {readdirSync, readFileSync} from 'node:fs';
import {readdir, readFile, rm} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createChecklistWorld, type ChecklistWorld} from '../support/checklist-e2e-world';
import {runCliUntil, type CliOutcome, type KillWhen} from '../support/fault-cli';
import {useHcl2Template, type Hcl2Template} from '../support/hcl2-templates';
import {secretsInFiles} from '../support/secret-scan';
import {startSshInstance, type SshInstance} from '../support/ssh-instance';
import {leakScanSecrets} from '../support/dummy-secrets';

const PROVISION_SCRIPT = new URL('../../packer/scripts/provision.sh', import.meta.url).pathname;
const FIRST_BOOT_FILES = readdirSync(new URL('../../packer/convox-ami/', import.meta.url).pathname);
const {secrets: SECRETS, needles: NEEDLES} = leakScanSecrets('ebs');
const release = (world: ChecklistWorld) => [
	...['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'],
	...['--config', world.configPath, '--state-dir', world.stateDir],
];

interface RealPackerWorld {
	world: ChecklistWorld;
	instance: SshInstance;
	/** The command lines of the Packer processes that ran this world's build, read while it provisioned. */
	packerCmdlines: string[];
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
	await Promise.all(cleanups.map(cleanup => cleanup()));
	cleanups = [];
});

/** Packer's processes (the panicwrap parent, its child, the plugins) are those whose environment names this world's EC2. */
function packerCmdlinesOf(ec2Url: string): string[] {
	return readdirSync('/proc')
		.filter(entry => /^\d+$/.test(entry))
		.flatMap(pid => {
			try {
				const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
				const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
				return environ.includes(`AWS_ENDPOINT_URL_EC2=${ec2Url}`) && cmdline.split('\0')[0]!.endsWith('packer') ? [cmdline] : [];
			} catch {
				return [];
			}
		});
}

/**
 * A rack ready for a release whose config names an HCL2 twin and the real Packer on PATH; a var file
 * points the build at the EC2 stand-in and the instance's SSH at the SSH stand-in.
 */
async function realPackerWorld(template: Hcl2Template): Promise<RealPackerWorld> {
	const world = await createChecklistWorld({released: false, secrets: SECRETS, extraEnv: {AWS_POLL_DELAY_SECONDS: '1'}});
	cleanups.push(() => world.close());
	const packerCmdlines: string[] = [];
	const instance = await startSshInstance(
		() => (world.aws.state.data.keyPairs ?? []).flatMap(pair => (pair.publicKey ? [pair.publicKey] : [])),
		() => packerCmdlines.push(...packerCmdlinesOf(world.aws.url)),
	);
	cleanups.push(() => instance.close());
	await useHcl2Template(
		world,
		template,
		`custom_endpoint_ec2 = "${world.aws.url}"\nssh_port = ${instance.port}\n`,
		({binaries, ...config}) => ({...config, binaries: {convox: (binaries as {convox: string}).convox}}),
	);
	return {world, instance, packerCmdlines};
}

function stepOutputs(outcome: CliOutcome, step: string): Record<string, unknown> {
	const done = outcome.events.find(event => event.type === 'step' && event.step === step && event.status === 'done');
	return (done?.outputs ?? {}) as Record<string, unknown>;
}

const succeeded = (world: ChecklistWorld, action: string) => world.aws.calls.filter(call => call.action === action && !call.error);

/** One AMI, made by CreateImage from the builder instance, is what the stack now runs; Packer removed what it made for the build. */
function expectOneImageReleased(world: ChecklistWorld, outcome: CliOutcome): {runId: string; amiId: string; tags: Record<string, string>} {
	const runId = String(outcome.events.find(event => event.type === 'run')?.runId);
	const amiId = String(stepOutputs(outcome, 'build').amiId);
	const [created] = succeeded(world, 'CreateImage');
	expect(succeeded(world, 'CreateImage'), 'one CreateImage').toHaveLength(1);
	expect(created?.accessKeyId).toBe('AKIADEVEXAMPLE000001');
	const data = world.aws.state.data;
	const image = data.images.find(candidate => candidate.imageId === amiId);
	expect(image).toMatchObject({state: 'available', ownerId: '111111111111', region: 'us-east-1', instanceId: created?.params.InstanceId});
	expect(stepOutputs(outcome, 'update-stack').stackStatus).toBe('UPDATE_COMPLETE');
	expect(world.aws.state.parameters('convox-dev').Ami, 'the stack runs the new AMI').toBe(amiId);
	const builder = data.instances.find(candidate => candidate.instanceId === created?.params.InstanceId);
	expect(builder?.state, 'Packer terminated its instance').toBe('terminated');
	expect(data.keyPairs, "Packer deleted its key pair (the SSH stand-in's only key)").toEqual([]);
	expect(data.securityGroups, 'Packer deleted its security group').toEqual([]);
	return {runId, amiId, tags: image!.tags};
}

/** The SSH stand-in saw each shell provisioner's script uploaded and run; the secrets only in what reached the instance. */
function scriptsRun(instance: SshInstance): string[] {
	return instance.uploads.filter(upload => /^\/tmp\/script_\d+\.sh$/.test(upload.path)).map(upload => upload.content);
}

async function expectNoSecretOutsideTheInstance(world: ChecklistWorld, outcome: CliOutcome, packerCmdlines: string[]): Promise<void> {
	expect(
		packerCmdlines.some(cmdline => cmdline.includes('\0build\0')),
		'Packer was seen while it provisioned',
	).toBe(true);
	expect(
		NEEDLES.filter(needle => packerCmdlines.some(cmdline => cmdline.includes(needle))),
		"on Packer's command line",
	).toEqual([]);
	expect(NEEDLES.filter(needle => outcome.stderr.includes(needle) || JSON.stringify(outcome.events).includes(needle))).toEqual([]);
	expect(await secretsInFiles(world.dir, NEEDLES, world.home), 'in a file of the state dir, the work dir or the templates').toEqual([]);
}

/** A stopped builder of another run, with Packer's naming: nothing of it may be removed. */
function seedOtherRunsBuilder(world: ChecklistWorld): void {
	const data = world.aws.state.data;
	const common = {accountId: '111111111111', region: 'us-east-1', tags: {}};
	(data.keyPairs ??= []).push({...common, keyPairId: 'key-0other0000000001', keyName: 'packer_0ther000-0000-4000-8000-000000000001'});
	(data.securityGroups ??= []).push({
		...common,
		groupId: 'sg-0other00000000001',
		groupName: 'packer_0ther000-0000-4000-8000-000000000002',
		description: 'Temporary group for Packer',
	});
	data.instances.push({
		instanceId: 'i-0other00000000001',
		imageId: 'ami-6bb2d67c',
		state: 'stopped',
		stackName: '',
		instanceType: 't3.large',
		launchTime: '2026-11-25T00:00:00.000Z',
		privateIpAddress: '10.0.8.200',
		tags: {Name: 'Packer Builder', ReleaseRun: '20261125-000000-dev-0thr'},
		keyName: 'packer_0ther000-0000-4000-8000-000000000001',
		securityGroupIds: ['sg-0other00000000001'],
	});
}

describe('the real Packer 1.6.6 builds HCL2 twins with amazon-ebs against the loopback stand-ins, through the whole release', () => {
	it('the HCL2 twin of the shipped template: tags, run tags, the provisioning files uploaded and run, secrets only in the env var file on the instance', async () => {
		const {world, instance, packerCmdlines} = await realPackerWorld('shipped');
		const outcome = await runCliUntil(release(world), {env: world.env});
		expect(outcome.exitCode, outcome.stderr).toBe(0);
		const {runId, tags} = expectOneImageReleased(world, outcome);
		const version = String(stepOutputs(outcome, 'resolve-version').convoxVersion);
		expect(tags).toMatchObject({Env: 'dev', ConvoxVersion: version, ReleaseRun: runId});
		const image = world.aws.state.data.images.find(candidate => candidate.tags.ReleaseRun === runId);
		expect(image?.snapshotTags).toMatchObject({Env: 'dev', ReleaseRun: runId});
		expect(image?.description, 'ami_description, set after CreateImage').toMatch(new RegExp(`^Convox ${version} instance AMI for dev, `));
		const builder = world.aws.state.data.instances.find(candidate => candidate.instanceId === image?.instanceId);
		expect(builder?.tags, "the template's run_tags").toMatchObject({ReleaseRun: runId});

		expect(instance.uploads.map(upload => upload.path)).toEqual(
			expect.arrayContaining(FIRST_BOOT_FILES.map(file => `/tmp/convox-ami/${file}`)),
		);
		expect(scriptsRun(instance)).toContain(await readFile(PROVISION_SCRIPT, 'utf8'));
		const envVarFile = instance.uploads.find(upload => /^\/tmp\/varfile_\d+\.sh$/.test(upload.path));
		expect(envVarFile?.content).toContain(`export LIBRATO_TOKEN='${SECRETS.LIBRATO_TOKEN}'`);
		expect(envVarFile?.content).toContain(`export LOGSPOUT_TOKEN='${SECRETS.LOGSPOUT_TOKEN}'`);
		expect(instance.commands).toContainEqual(
			expect.stringMatching(/^chmod \+x \/tmp\/script_\d+\.sh; sudo sh -c '\. \/tmp\/varfile_\d+\.sh && \/tmp\/script_\d+\.sh'\n$/),
		);
		expect(
			NEEDLES.filter(needle => instance.commands.some(command => command.includes(needle))),
			'no secret in a command run',
		).toEqual([]);
		await expectNoSecretOutsideTheInstance(world, outcome, packerCmdlines);
	}, 120_000);

	it('the seed-style operator twin (a folder, required secret variables): the secrets reach the instance only in the environment of its provisioning command', async () => {
		const {world, instance, packerCmdlines} = await realPackerWorld('operator');
		const outcome = await runCliUntil(release(world), {env: world.env});
		expect(outcome.exitCode, outcome.stderr).toBe(0);
		const {tags} = expectOneImageReleased(world, outcome);
		expect(tags).toMatchObject({
			Env: 'dev',
			Version: expect.stringMatching(/^dev-\d{14}$/),
			SourceAmi: String(stepOutputs(outcome, 'resolve-version').sourceAmi),
		});
		expect(scriptsRun(instance)).toContainEqual(expect.stringContaining('yum install -y collectd'));
		const provisioning = instance.commands.find(command => command.includes("sudo sh -c '"));
		expect(provisioning).toContain(`LIBRATO_TOKEN='${SECRETS.LIBRATO_TOKEN}'`);
		expect(provisioning).toContain(`LOGSPOUT_TOKEN='${SECRETS.LOGSPOUT_TOKEN}'`);
		await expectNoSecretOutsideTheInstance(world, outcome, packerCmdlines);
	}, 120_000);

	it("killed while Packer cleans up, the keeper's record lost: the resume adopts the AMI by its ReleaseRun tag and removes the stopped instance tagged with the run, its packer_ key pair and security group, nothing of another run", async () => {
		const {world} = await realPackerWorld('shipped');
		seedOtherRunsBuilder(world);
		// Packer cannot terminate its instance, so it retries deleting the security group the instance still uses: killed there.
		world.aws.state.data.ec2Denied = ['TerminateInstances'];
		const killWhen: KillWhen = event => event.type === 'log' && String(event.line).includes('Deleting temporary security group');
		const killed = await runCliUntil(release(world), {env: world.env, killWhen});
		expect(killed.killed).toBe(true);
		world.aws.state.data.ec2Denied = [];
		const runs = path.join(world.stateDir, 'runs');
		for (const record of (await readdir(runs)).filter(name => name.endsWith('.record'))) await rm(path.join(runs, record));
		const data = world.aws.state.data;
		const builder = data.instances.find(instance => instance.state === 'stopped' && instance.instanceId !== 'i-0other00000000001')!;
		const ours = {keyPair: builder.keyName!, group: builder.securityGroupIds![0]!};
		const groupName = data.securityGroups?.find(group => group.groupId === ours.group)?.groupName;
		expect(ours.keyPair).toMatch(/^packer_/);

		const resumed = await runCliUntil(
			['resume', '--yes', '--json', '--confirm', 'sumologic', '--config', world.configPath, '--state-dir', world.stateDir],
			{env: world.env},
		);
		expect(resumed.exitCode, resumed.stderr).toBe(0);
		const runId = String(resumed.events.find(event => event.type === 'run')?.runId);
		const said = resumed.events.filter(event => event.type === 'notice').map(event => String(event.message));
		expect(said).toContainEqual(expect.stringMatching(/^Adopted AMI ami-\w+ .*not building again/));
		expect(said).toContain(
			`The interrupted Packer left behind in us-east-1: EC2 instance ${builder.instanceId} (stopped), key pair ${ours.keyPair}, security group ${ours.group} (${groupName}) (found by its run tag ReleaseRun=${runId}).`,
		);
		expect(succeeded(world, 'CreateImage'), 'built once').toHaveLength(1);
		expect(builder.state).toBe('terminated');
		expect(data.keyPairs?.map(pair => pair.keyName)).toEqual(['packer_0ther000-0000-4000-8000-000000000001']);
		expect(data.securityGroups?.map(group => group.groupId)).toEqual(['sg-0other00000000001']);
		expect(data.instances.find(instance => instance.instanceId === 'i-0other00000000001')?.state).toBe('stopped');
		expect(world.aws.state.parameters('convox-dev').Ami).toBe(String(stepOutputs(resumed, 'build').amiId));
	}, 180_000);
});
