import {copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createChecklistWorld, type ChecklistWorld} from '../support/checklist-e2e-world';
import {DEV_KEY, WRONG_KEY} from '../support/cli-env';
import {isAlive, runCliUntil, waitUntilGone, type CliEvent, type CliOutcome, type KillWhen} from '../support/fault-cli';
import {DEV_VAR_FILE, useHcl2Template} from '../support/hcl2-templates';
import {secretsInCmdline, secretsInFiles} from '../support/secret-scan';
import {leakScanSecrets} from '../support/dummy-secrets';

const OPERATOR_TEMPLATE = new URL('../fixtures/operator-template/', import.meta.url).pathname;
const DEV_SECRET_KEY = 'devsecretdevsecretdevsecret';
const OTHER_SECRET_KEY = 'othersecretothersecret00';
const {secrets: SECRETS, needles: SCANNED} = leakScanSecrets('e2e');
const NEEDLES = [...SCANNED, DEV_SECRET_KEY, OTHER_SECRET_KEY];
const RELEASE = ['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'];
const RESUME = ['resume', '--yes', '--json', '--confirm', 'sumologic'];

interface PackerRun {
	command: 'build' | 'validate';
	pid: number;
	accessKeyId: string | null;
	profile: string | null;
	varFile: boolean;
	/** How many -var-file arguments it was given. */
	varFiles: number;
}

interface Setup {
	world: ChecklistWorld;
	/** What each run of the Packer stand-in recorded. */
	packerRuns(): Promise<PackerRun[]>;
	args(command: string[]): string[];
	env: NodeJS.ProcessEnv;
	tmp: string;
}

let worlds: ChecklistWorld[] = [];
let folders: string[] = [];
afterEach(async () => {
	await Promise.all(worlds.map(world => world.close()));
	await Promise.all(folders.map(folder => rm(folder, {recursive: true, force: true})));
	worlds = [];
	folders = [];
});

type TemplateKind = 'shipped' | 'operator' | 'operator-hcl2';

const TEMPLATES: Array<{name: string; kind: TemplateKind}> = [
	{name: "the project's own template ({{env}} defaults, ReleaseRun tag)", kind: 'shipped'},
	{
		name: 'an operator template like the original procedure (required secret variables, no ReleaseRun tag, manifest post-processor)',
		kind: 'operator',
	},
	{
		name: 'the HCL2 twin of the operator template (a folder), source_ami in a var file of the config',
		kind: 'operator-hcl2',
	},
];

/**
 * A rack ready for a release, the account's profile convox-dev, and a [default] profile of another
 * account (999999999999) that Packer's SDK would fall back on if it were given no credentials.
 */
async function setup(kind: TemplateKind, extraEnv: NodeJS.ProcessEnv = {}): Promise<Setup> {
	const outside = await mkdtemp(path.join(tmpdir(), 'convox-ami-packer-e2e-'));
	folders.push(outside);
	const record = path.join(outside, 'packer-runs.ndjson');
	const world = await createChecklistWorld({
		released: false,
		secrets: SECRETS,
		identities: {[WRONG_KEY]: {accountId: '999999999999'}},
		extraEnv: {FAKE_PACKER_RECORD: record, ...extraEnv},
	});
	worlds.push(world);
	await writeFile(
		path.join(world.home, '.aws', 'credentials'),
		[
			`[default]`,
			`aws_access_key_id = ${WRONG_KEY}`,
			`aws_secret_access_key = ${OTHER_SECRET_KEY}`,
			`[convox-dev]`,
			`aws_access_key_id = ${DEV_KEY}`,
			`aws_secret_access_key = ${DEV_SECRET_KEY}`,
			'',
		].join('\n'),
	);
	if (kind === 'operator') await copyFile(path.join(OPERATOR_TEMPLATE, 'packer.json'), path.join(world.dir, 'packer', 'packer.json'));
	if (kind === 'operator-hcl2') await useHcl2Template(world, 'operator', '# the base AMI of dev\nsource_ami = "ami-0000000000000000a"\n');
	const tmp = path.join(world.dir, 'tmp');
	await mkdir(tmp);
	return {
		world,
		tmp,
		env: {...world.env, TMPDIR: tmp},
		args: command => [...command, '--config', world.configPath, '--state-dir', world.stateDir],
		async packerRuns() {
			const text = await readFile(record, 'utf8').catch(() => '');
			return text
				.split('\n')
				.filter(Boolean)
				.map(line => JSON.parse(line) as PackerRun);
		},
	};
}

/** Every regular file under the operator's folder (state dir, TMPDIR, template folder), HOME and its ~/.aws excepted. */
const secretsInWorld = (world: ChecklistWorld) => secretsInFiles(world.dir, NEEDLES, world.home);

const notices = (outcome: CliOutcome) => outcome.events.filter(event => event.type === 'notice').map(event => String(event.message));

function registered(world: ChecklistWorld) {
	return world.aws.calls.filter(call => call.action === 'RegisterImage' && !call.error);
}

function expectBuiltInTheAccount(world: ChecklistWorld, runs: PackerRun[], amiId: unknown): void {
	const builds = runs.filter(run => run.command === 'build');
	expect(builds, 'one build started').toHaveLength(1);
	expect(builds[0]).toMatchObject({accessKeyId: DEV_KEY, profile: null, varFile: true});
	expect(
		registered(world).map(call => call.accessKeyId),
		'one AMI registered, signed with the account key',
	).toEqual([DEV_KEY]);
	const image = world.aws.state.data.images.find(candidate => candidate.imageId === amiId);
	expect(image?.ownerId).toBe('111111111111');
}

function buildOutputs(outcome: CliOutcome): Record<string, unknown> | undefined {
	return outcome.events.find(event => event.type === 'step' && event.step === 'build' && event.status === 'done')?.outputs as
		Record<string, unknown> | undefined;
}

describe.each(TEMPLATES)('Packer builds in the account STS checked, and resume never builds twice: $name', ({kind}) => {
	const operator = kind !== 'shipped';
	it("release: Packer gets the account's keys (not [default], not AWS_PROFILE), the secrets through the var-file and its environment", async () => {
		const {world, env, args, packerRuns} = await setup(kind);
		const outcome = await runCliUntil(args(RELEASE), {env: {...env, AWS_PROFILE: 'convox-wrong'}});
		expect(outcome.exitCode, outcome.stderr).toBe(0);
		const amiId = buildOutputs(outcome)?.amiId;
		expect(amiId).toMatch(/^ami-/);
		expectBuiltInTheAccount(world, await packerRuns(), amiId);
		const running = notices(outcome).find(message => message.startsWith('Running '))!;
		expect(running).toContain('AWS_ACCESS_KEY_ID=*** AWS_SECRET_ACCESS_KEY=*** AWS_REGION=us-east-1');
		expect(running).toContain('-var-file=…');
		if (operator)
			expect(JSON.parse(await readFile(path.join(world.dir, 'packer', 'manifest.json'), 'utf8')).builds[0].artifact_id).toBe(
				`us-east-1:${String(amiId)}`,
			);
		expect(NEEDLES.filter(needle => outcome.stderr.includes(needle) || JSON.stringify(outcome.events).includes(needle))).toEqual([]);
		expect(await secretsInWorld(world)).toEqual([]);
		if (kind === 'operator-hcl2') {
			const varFile = path.join(world.dir, DEV_VAR_FILE);
			expect(running).toContain(`-var-file=${varFile} -var source_ami=`);
			expect((await packerRuns()).find(run => run.command === 'build')?.varFiles, "the config's var file and the secrets' pipe").toBe(2);
			const sourceAmi = (
				outcome.events.find(event => event.type === 'step' && event.step === 'resolve-version' && event.status === 'done')?.outputs as {
					sourceAmi: string;
				}
			).sourceAmi;
			expect(await readFile(varFile, 'utf8'), 'the dev release recorded the base AMI in the var file').toBe(
				`# the base AMI of dev\nsource_ami = "${sourceAmi}"\n`,
			);
		}
	}, 120_000);

	it('dry run: packer validate gets the same credentials, var-file and environment; nothing is built', async () => {
		const {world, env, args, packerRuns} = await setup(kind);
		const outcome = await runCliUntil(args([...RELEASE, '--dry-run']), {env});
		expect(outcome.exitCode, outcome.stderr).toBe(0);
		expect(notices(outcome).some(message => message.startsWith('packer validate accepted'))).toBe(true);
		expect(await packerRuns()).toEqual([
			expect.objectContaining({command: 'validate', accessKeyId: DEV_KEY, profile: null, varFile: true}),
		]);
		expect(registered(world)).toEqual([]);
		expect(await secretsInWorld(world)).toEqual([]);
	}, 120_000);

	it('the CLI killed before CreateImage: Packer goes on alone, nothing leaks meanwhile, the resume adopts its AMI', async () => {
		const {world, env, args, packerRuns} = await setup(kind, {FAKE_PACKER_HOLD_MS: '3000'});
		const killWhen: KillWhen = event => event.type === 'log' && String(event.line).includes('Provisioning with shell script');
		const killed = await runCliUntil(args(RELEASE), {env, killWhen, tree: false});
		expect(killed.killed).toBe(true);
		expect(registered(world)).toEqual([]);
		const [build] = (await packerRuns()).filter(run => run.command === 'build');
		expect(isAlive(build!.pid), 'Packer outlived the CLI').toBe(true);
		expect(await secretsInCmdline(build!.pid, NEEDLES)).toEqual([]);
		expect(await secretsInWorld(world)).toEqual([]);
		expect(await waitUntilGone(killed.orphans, 20_000), 'Packer and its keeper finish alone').toEqual([]);
		expect(registered(world)).toHaveLength(1);
		const resumed = await runCliUntil(args(RESUME), {env});
		expect(resumed.exitCode, resumed.stderr).toBe(0);
		expect(notices(resumed).some(message => /^Adopted AMI ami-\w+ .*not building again/.test(message))).toBe(true);
		expectBuiltInTheAccount(world, await packerRuns(), buildOutputs(resumed)?.amiId);
		expect(await secretsInWorld(world)).toEqual([]);
	}, 120_000);

	it('everything killed as the build starts (the var-file may be waiting for Packer): no secret on disk, the resume cleans up and builds once', async () => {
		const {world, env, args, packerRuns} = await setup(kind);
		const killWhen: KillWhen = event => event.type === 'notice' && String(event.message).startsWith('Running ');
		const killed = await runCliUntil(args(RELEASE), {env, killWhen});
		expect(killed.killed).toBe(true);
		expect(await secretsInWorld(world)).toEqual([]);
		const resumed = await runCliUntil(args(RESUME), {env});
		expect(resumed.exitCode, resumed.stderr).toBe(0);
		const runs = (await packerRuns()).filter(run => run.command === 'build');
		expect(runs.length, 'a build killed before Packer signed anything, then one that finished').toBeLessThanOrEqual(2);
		expect(
			registered(world).map(call => call.accessKeyId),
			'one AMI registered, signed with the account key',
		).toEqual([DEV_KEY]);
		const leftovers = (await readdir(path.join(world.stateDir, 'runs'))).filter(name => name.endsWith('.vars'));
		expect(leftovers).toEqual([]);
		expect(await secretsInWorld(world)).toEqual([]);
	}, 120_000);

	it('the CLI, its keeper and Packer killed after CreateImage: the resume adopts the AMI the output announced', async () => {
		const {world, env, args, packerRuns} = await setup(kind, {FAKE_PACKER_AFTER_AMI_MS: '5000'});
		const killWhen: KillWhen = (event: CliEvent) => event.type === 'log' && String(event.line).includes('Waiting for AMI to become ready');
		const killed = await runCliUntil(args(RELEASE), {env, killWhen});
		expect(killed.killed).toBe(true);
		expect(registered(world)).toHaveLength(1);
		expect(await secretsInWorld(world)).toEqual([]);
		const resumed = await runCliUntil(args(RESUME), {env});
		expect(resumed.exitCode, resumed.stderr).toBe(0);
		expect(notices(resumed).some(message => /^Adopted AMI ami-\w+ .*not building again/.test(message))).toBe(true);
		expectBuiltInTheAccount(world, await packerRuns(), buildOutputs(resumed)?.amiId);
		expect(await secretsInWorld(world)).toEqual([]);
	}, 120_000);
});
