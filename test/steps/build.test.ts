import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {AwsCredentialIdentity, AwsCredentialIdentityProvider} from '@aws-sdk/types';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {InterruptedError, MissingInputError, StepFailedError} from '../../source/core/errors';
import type {RecordedOutputs} from '../../source/core/step-outputs';
import type {StepRecord} from '../../source/core/types';
import type {ImageInput} from '../../source/rehearsal/aws-stand-in';
import type {LooseInstanceSeed} from '../../source/rehearsal/aws/state';
import {isRunning, type PackerProcess} from '../../source/services/packer/orphan';
import {readKeeperRecord, type KeeperRecord} from '../../source/services/packer/keeper';
import {followPackerBuild, packerFilesOf} from '../../source/services/packer/runner';
import {buildStep} from '../../source/steps/build';
import {ScriptedPrompter} from '../checklist/scripted-prompter';
import {stepWorlds, type StepWorld} from '../support/step-world';

const NULL_TEMPLATE = fileURLToPath(new URL('../fixtures/packer-null/template.json', import.meta.url));
const RECORDED = fileURLToPath(new URL('../fixtures/packer/packer-amazon-ebs.machine-readable.txt', import.meta.url));
const ORPHAN_PACKER = fileURLToPath(new URL('../fixtures/bin/orphan-packer.mjs', import.meta.url));
const ORPHAN_CLI = fileURLToPath(new URL('../support/build-orphan-cli.ts', import.meta.url));
const ORPHAN_AMI = 'ami-0c0ffee0c0ffee0c0';
const SECRETS = {LIBRATO_EMAIL: 'ops@example.com', LIBRATO_TOKEN: 'lib,rato-T0KEN', LOGSPOUT_TOKEN: 'logspout-S3CRET'};
const AMI = 'ami-0a7f3c9e21d4b5e86';
const ACCOUNT_KEYS = {accessKeyId: 'AKIABUILDSTEP0000001', secretAccessKey: 'build-step-s3cret', sessionToken: 'build-step-s3ssion'};

/**
 * A stand-in for `packer` that replays a recorded amazon-ebs build, echoes the Librato token the
 * way Packer 1.6.6 leaks sensitive variables, then cancels cleanly on SIGINT (or ignores it).
 */
const FAKE_PACKER = `#!/bin/bash
printf '%s\\n' "$@" > "$FAKE_ARGS"
printf 'LIBRATO_TOKEN=%s\\n' "$LIBRATO_TOKEN" > "$FAKE_ARGS.env"
printf 'AWS=%s %s %s profile=%s\\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_PROFILE" > "$FAKE_ARGS.aws"
if [ -n "$AWS_CONTAINER_CREDENTIALS_FULL_URI" ]; then
	curl -s -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI" > "$FAKE_ARGS.served"
	curl -s -o /dev/null -w '%{http_code}' -H "Authorization: wrong" "$AWS_CONTAINER_CREDENTIALS_FULL_URI" > "$FAKE_ARGS.refused"
	printf '%s' "$AWS_CONTAINER_AUTHORIZATION_TOKEN" > "$FAKE_ARGS.token"
	printf 'AWS_CONTAINER_CREDENTIALS_FULL_URI=%s\\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI" > "$FAKE_ARGS.url"
fi
[ "$1" = validate ] && exit 0
token=$LIBRATO_TOKEN
while IFS= read -r line; do
	case $line in *'Waiting for AMI to become ready'*) echo "1612360919,,ui,message,    amazon-ebs: token=\${token//,/%!(PACKER_COMMA)}";; esac
	case $line in *'Stopping the source instance'*) if [ -n "$FAKE_SLEEP" ]; then
		if [ -n "$FAKE_IGNORE_INT" ]; then trap '' INT; else trap 'kill $!; echo "1,,ui,error,Cancelling build after receiving interrupt"; echo "1,,ui,say,==> amazon-ebs: Terminating the source AWS instance..."; echo "1,,ui,say,Cleanly cancelled builds after being interrupted."; exit 1' INT; fi
		echo "1,,ui,say,==> amazon-ebs: long wait"
		sleep "$FAKE_SLEEP" & wait
	fi;; esac
	echo "$line"
done < "$FAKE_OUTPUT"
exit "\${FAKE_EXIT:-0}"
`;

let dir: string;
let fakePacker: string;
let world: StepWorld;
const worlds = stepWorlds();

beforeEach(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'convox-ami-build-step-'));
	fakePacker = path.join(dir, 'packer');
	await writeFile(fakePacker, FAKE_PACKER);
	await chmod(fakePacker, 0o755);
});

afterEach(async () => {
	await rm(dir, {recursive: true, force: true});
});

/** An image of the world's account in us-east-1, as a build registers it. */
const ownImage = (imageId: string, image: Partial<ImageInput> = {}): ImageInput => ({
	imageId,
	name: `convox-dev-${imageId}`,
	region: 'us-east-1',
	...image,
});

interface Setup {
	packer?: string;
	template?: string;
	env?: NodeJS.ProcessEnv;
	dryRun?: boolean;
	record?: Partial<StepRecord>;
	interactive?: boolean;
	/** The operator's answers, in order (`yes`/`no` to a confirmation). */
	answers?: string[];
	credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
	/** The account's images in EC2; default the AMIs the recorded builds announce, available and private. */
	images?: ImageInput[];
	looseInstances?: LooseInstanceSeed[];
	/** A pending image whose snapshot completes once the step says it waits for it. */
	completesWhenAwaited?: string;
	/** Outputs of earlier steps, beside the template's. */
	earlier?: {template?: Partial<RecordedOutputs<'template'>>; 'resolve-version'?: RecordedOutputs<'resolve-version'>};
}

/** The build step's context in a world of its own: EC2 from the AWS stand-in, Packer one of this file's. */
async function setup({
	packer = fakePacker,
	template = NULL_TEMPLATE,
	env = {},
	dryRun = false,
	record = {},
	interactive = true,
	answers = [],
	credentials = ACCOUNT_KEYS,
	images = [ownImage(AMI), ownImage(ORPHAN_AMI)],
	looseInstances = [],
	completesWhenAwaited,
	earlier = {},
}: Setup = {}) {
	world = await worlds.start({aws: {images, looseInstances}});
	const prompt = new ScriptedPrompter(answers, interactive);
	const harness = world.context('build', {
		config: {binaries: {packer}},
		stateDir: path.join(dir, 'state'),
		flags: {dryRun},
		run: {id: 'run-7'},
		record: {status: 'pending', attempts: 0, ...record},
		prompt,
		credentials,
		secrets: SECRETS,
		environment: {AWS_PROFILE: 'ambient-other-account', FAKE_OUTPUT: RECORDED, FAKE_ARGS: path.join(dir, 'args.txt'), ...env},
		earlier: {
			template: {
				templatePath: template,
				amiVersion: 'dev-20261125010203',
				env: 'dev',
				region: 'us-east-1',
				sourceAmi: 'ami-6bb2d67c',
				convoxVersion: '20160916121812',
				...earlier.template,
			},
			'resolve-version': earlier['resolve-version'] ?? {},
		},
		onEvent: event => {
			if (completesWhenAwaited && event.type === 'notice' && event.message.includes('still pending'))
				world.aws.state.image(completesWhenAwaited)!.state = 'available';
		},
	});
	const waitForLine = async (text: string) => {
		while (!harness.logLines().some(line => line.includes(text))) await new Promise(resolve => setTimeout(resolve, 20));
	};
	return {
		...harness,
		questions: () => prompt.asked.map(question => question.message),
		pressCtrlC: harness.interrupt,
		waitForLine,
		logPath: harness.ctx.paths.packerLog,
		stateDir: harness.ctx.paths.stateDir,
	};
}

/** Where the build of run-7 logs: where an earlier attempt's Packer left its log and keeper record. */
const packerLog = () => path.join(dir, 'state', 'runs', 'run-7.packer.log');

/** The build step's record after an attempt whose Packer is still running. */
const following = (orphan: PackerProcess): Partial<StepRecord> => ({
	status: 'running',
	attempts: 1,
	outputs: {packerPid: orphan.pid, packerStartedAt: orphan.startedAt},
});

/** What the step asked EC2 for, as the stand-in received it. */
const ec2Calls = (action: string) =>
	world.aws.calls.filter(call => call.service === 'ec2' && call.action === action).map(call => call.params);

async function filesUnder(folder: string): Promise<string> {
	const entries = await readdir(folder, {recursive: true, withFileTypes: true}).catch(() => []);
	const texts = await Promise.all(
		entries.filter(entry => entry.isFile()).map(entry => readFile(path.join(entry.parentPath, entry.name), 'utf8')),
	);
	return texts.join('\n');
}

/** The error a step failed with; undefined when it did not fail, which the assertions then catch. */
function failureOf<T extends Error>(outcome: Promise<unknown>): Promise<T> {
	return outcome.then(
		() => undefined as unknown as T,
		(error: unknown) => error as T,
	);
}

function expectNoSecret(text: string) {
	for (const value of Object.values(SECRETS)) {
		expect(text).not.toContain(value);
		expect(text).not.toContain(value.replaceAll(',', '%!(PACKER_COMMA)'));
	}
	expect(text).not.toContain('rato-T0KEN');
	expect(text).not.toContain(ACCOUNT_KEYS.secretAccessKey);
	expect(text).not.toContain(ACCOUNT_KEYS.sessionToken);
}

describe('build step', () => {
	it.each([
		{declared: ['source_ami', 'instance_type'], passed: true},
		{declared: ['source_ami'], passed: false},
	])('passes instance_type of the base AMI architecture only to a template that declares it ($declared)', async ({declared, passed}) => {
		const {ctx} = await setup({
			earlier: {template: {declaredVariables: declared}, 'resolve-version': {architecture: 'arm64', buildInstanceType: 't4g.large'}},
		});
		await buildStep.run(ctx);
		const args = (await readFile(path.join(dir, 'args.txt'), 'utf8')).trim().split('\n');
		if (passed) expect(args).toContain('instance_type=t4g.large');
		else expect(args.some(arg => arg.startsWith('instance_type='))).toBe(false);
	});

	it('builds with the run variables and secrets, streams scrubbed lines and phases, and checks the AMI is private', async () => {
		const {ctx, events, notices, logLines, logPath, stateDir} = await setup();
		const outputs = await buildStep.run(ctx);
		expect(outputs).toEqual({amiId: AMI, amiIds: {'us-east-1': AMI}, logPath});
		const args = (await readFile(path.join(dir, 'args.txt'), 'utf8')).trim().split('\n');
		expect(args.slice(0, 3)).toEqual(['build', '-machine-readable', '-color=false']);
		expect(args).toEqual(
			expect.arrayContaining([
				'source_ami=ami-6bb2d67c',
				'region=us-east-1',
				'env=dev',
				'version=dev-20261125010203',
				'convox_version=20160916121812',
				'run_id=run-7',
			]),
		);
		expect(args.join(' ')).not.toContain(SECRETS.LIBRATO_TOKEN);
		expect(await readFile(path.join(dir, 'args.txt.env'), 'utf8')).toBe(`LIBRATO_TOKEN=${SECRETS.LIBRATO_TOKEN}\n`);
		expect(await readFile(path.join(dir, 'args.txt.aws'), 'utf8')).toBe(
			`AWS=${ACCOUNT_KEYS.accessKeyId} ${ACCOUNT_KEYS.secretAccessKey} ${ACCOUNT_KEYS.sessionToken} profile=\n`,
		);
		expect(args.at(-2)).toBe(`-var-file=${packerFilesOf(logPath).varFileDir}/variables.json`);
		expect(args.at(-1)).toBe(NULL_TEMPLATE);
		expect(logLines()).toContain('    amazon-ebs: token=***');
		expect(logLines()).toContain('==> amazon-ebs: stop: Unknown instance: ');
		const phases = events.flatMap(event => (event.type === 'progress' ? [event.phase] : []));
		expect(new Set(phases)).toEqual(
			new Set([
				'start',
				'prevalidate',
				'key-pair',
				'launch',
				'wait-instance',
				'connect',
				'provision',
				'stop',
				'create-ami',
				'wait-ami',
				'clean-up',
			]),
		);
		expect(notices()).toContain(`Packer log: ${logPath}`);
		expect(notices().find(message => message.startsWith('Running '))).toContain('LIBRATO_TOKEN=***');
		expect(notices()).toContain(`Built ${AMI} (us-east-1); launch permissions checked: private.`);
		const log = await readFile(logPath, 'utf8');
		expect(log).toContain('amazon-ebs: token=***');
		expect(log).toContain(`[amazon-ebs] artifact 0 id us-east-1:${AMI}`);
		expect(ec2Calls('DescribeImageAttribute')).toEqual([{ImageId: AMI, Attribute: 'launchPermission'}]);
		expectNoSecret(JSON.stringify(events));
		expectNoSecret(await filesUnder(stateDir));
	});

	it('fails with Packer error lines and the log path when the build fails', async () => {
		const failure = fileURLToPath(
			new URL('../fixtures/packer/amazon-ebs.moto.error-source-ami-not-found.machine-readable.txt', import.meta.url),
		);
		const {ctx, logPath} = await setup({env: {FAKE_OUTPUT: failure, FAKE_EXIT: '1'}});
		const error = await failureOf<Error>(buildStep.run(ctx));
		expect(error).toBeInstanceOf(StepFailedError);
		expect(error.message).toContain('Packer build failed (exit 1):');
		expect(error.message).toContain("Error querying AMI: InvalidAMIID.NotFound: The image id '[ami-0badc0de]' does not exist");
		expect(error.message).toContain(`Full log: ${logPath}`);
	});

	it('refuses a public AMI loudly', async () => {
		const {ctx} = await setup({images: [ownImage(AMI, {public: true})]});
		const error = await failureOf<StepFailedError>(buildStep.run(ctx));
		expect(error).toBeInstanceOf(StepFailedError);
		expect(error.message).toMatch(new RegExp(`^AMI ${AMI} IS PUBLIC`));
		expect((error as StepFailedError).hint).toContain('modify-image-attribute');
	});

	it('refuses an AMI shared with another account', async () => {
		const error = await failureOf<Error>(
			buildStep.run((await setup({images: [ownImage(AMI, {launchPermissions: ['999999999999']})]})).ctx),
		);
		expect(error.message).toContain('IS SHARED with 999999999999');
	});

	it('adopts an available AMI of an earlier attempt without building again', async () => {
		const {ctx, notices} = await setup({
			packer: path.join(dir, 'no-such-packer'),
			record: {status: 'running', attempts: 1},
			images: [ownImage('ami-0adopted', {tags: {ReleaseRun: 'run-7'}})],
		});
		expect(await buildStep.run(ctx)).toEqual({
			amiId: 'ami-0adopted',
			amiIds: {'us-east-1': 'ami-0adopted'},
			logPath: ctx.paths.packerLog,
			adopted: true,
		});
		expect(ec2Calls('DescribeImages')[0]).toMatchObject({
			Owner: ['self'],
			Filter: [{Name: 'tag:ReleaseRun', Value: ['run-7']}],
		});
		expect(notices().some(message => message.startsWith('Adopted AMI ami-0adopted'))).toBe(true);
	});

	it('waits for a pending AMI of an earlier attempt, then adopts it', async () => {
		const {ctx, notices} = await setup({
			packer: path.join(dir, 'no-such-packer'),
			record: {status: 'failed', attempts: 1},
			images: [ownImage('ami-0pending', {state: 'pending', tags: {ReleaseRun: 'run-7'}})],
			completesWhenAwaited: 'ami-0pending',
		});
		expect(await buildStep.run(ctx)).toMatchObject({amiId: 'ami-0pending'});
		expect(notices().some(message => message.includes('still pending'))).toBe(true);
	});

	it('builds again when the earlier attempt left no usable AMI', async () => {
		const {ctx, notices} = await setup({
			record: {status: 'running', attempts: 1},
			images: [ownImage(AMI), ownImage('ami-0failed', {state: 'failed', tags: {ReleaseRun: 'run-7'}})],
		});
		expect(await buildStep.run(ctx)).toMatchObject({amiId: AMI});
		expect(notices()).toContain('An earlier attempt of this run left AMI ami-0failed in state failed; it is not used.');
	});

	it('builds again and names, without removing, the instances an earlier attempt left with no AMI and no record', async () => {
		const {ctx, notices} = await setup({
			record: {status: 'running', attempts: 1},
			looseInstances: [{name: 'packer', imageId: 'ami-6bb2d67c', tags: {ReleaseRun: 'run-7'}}],
		});
		const left = world.aws.state.data.instances.find(instance => instance.tags?.ReleaseRun === 'run-7')!.instanceId;
		expect(await buildStep.run(ctx)).toMatchObject({amiId: AMI});
		expect(ec2Calls('DescribeInstances')[0]!.Filter).toEqual([
			{Name: 'tag:ReleaseRun', Value: ['run-7']},
			{Name: 'instance-state-name', Value: ['pending', 'running', 'stopping', 'stopped']},
		]);
		expect(notices()).toContainEqual(
			expect.stringMatching(
				new RegExp(
					`^An earlier attempt of this run left EC2 instance ${left} \\(running\\).* in us-east-1 \\(tagged ReleaseRun=run-7, no AMI made\\)\\. This attempt builds again; .*aws ec2 terminate-instances --region us-east-1 --instance-ids ${left}`,
				),
			),
		);
		expect(ec2Calls('TerminateInstances')).toHaveLength(0);
		expect(world.aws.state.data.instances.find(instance => instance.instanceId === left)?.state).toBe('running');
	});

	it('dry run: validates with the real variables and shows the masked command, builds nothing', async () => {
		const {ctx, notices, events, logPath} = await setup({packer: 'packer', dryRun: true});
		expect(await buildStep.run(ctx)).toEqual({amiIds: {}, validated: true});
		const shown = notices().find(message => message.startsWith('Dry run:'))!;
		expect(shown).toContain(
			'CHECKPOINT_DISABLE=1 LIBRATO_EMAIL=*** LIBRATO_TOKEN=*** LOGSPOUT_TOKEN=*** AWS_ACCESS_KEY_ID=*** AWS_SECRET_ACCESS_KEY=*** AWS_SESSION_TOKEN=*** AWS_REGION=us-east-1 packer build -machine-readable -color=false -var source_ami=ami-6bb2d67c',
		);
		expect(shown).toMatch(/ -var-file=… \S+template\.json$/);
		expect(notices()).toContain(`packer validate accepted ${NULL_TEMPLATE} with these variables; nothing was built.`);
		expect(events.some(event => event.type === 'log')).toBe(false);
		await expect(readFile(logPath)).rejects.toThrow(/ENOENT/);
		expectNoSecret(JSON.stringify(events));
	});

	it('dry run: the real Packer 1.6.6 validates an HCL2 template, the secrets through the named pipe, only its declared variables on the command line', async () => {
		const template = fileURLToPath(new URL('../fixtures/hcl2/null/required-secrets.pkr.hcl', import.meta.url));
		const declaredVariables = ['env', 'version', 'librato_email', 'librato_token', 'logspout_token', 'sleep_seconds'];
		const {ctx, notices, events} = await setup({packer: 'packer', dryRun: true, template, earlier: {template: {declaredVariables}}});
		expect(await buildStep.run(ctx)).toEqual({amiIds: {}, validated: true});
		const shown = notices().find(message => message.startsWith('Dry run:'))!;
		expect(shown).toMatch(
			/packer build -machine-readable -color=false -var env=dev -var version=dev-20261125010203 -var-file=… \S+required-secrets\.pkr\.hcl$/,
		);
		expect(notices()).toContain(`packer validate accepted ${template} with these variables; nothing was built.`);
		expectNoSecret(JSON.stringify(events));
	});

	it('dry run: validates with placeholders for secrets nobody can give, and says so', async () => {
		const {ctx, notices} = await setup({packer: 'packer', dryRun: true, interactive: false, env: {LIBRATO_TOKEN: ''}});
		expect(await buildStep.run(ctx)).toEqual({amiIds: {}, validated: true});
		expect(notices()).toContain('LIBRATO_TOKEN is not set: the dry run validates with a placeholder; a live build needs it.');
	});

	it('dry run: a template packer validate refuses fails the step', async () => {
		const broken = path.join(dir, 'broken.json');
		await writeFile(broken, '{"builders": [{"type": "no-such-builder"}]}');
		const error = await failureOf<Error>(buildStep.run((await setup({packer: 'packer', dryRun: true, template: broken})).ctx));
		expect(error).toBeInstanceOf(StepFailedError);
		expect(error.message).toContain('packer validate refused');
		expect(error.message).toContain('no-such-builder');
	});

	it('asks for missing secrets, naming the variable, and refuses when nobody can answer', async () => {
		const env = {LIBRATO_TOKEN: '', LOGSPOUT_TOKEN: ''};
		const asked = await setup({env, answers: ['typed-token', 'typed-logspout']});
		await buildStep.run(asked.ctx);
		expect(asked.questions()).toEqual(['Librato API token (LIBRATO_TOKEN)', 'logspout route token (SumoLogic) (LOGSPOUT_TOKEN)']);
		expect(await readFile(path.join(dir, 'args.txt.env'), 'utf8')).toBe('LIBRATO_TOKEN=typed-token\n');
		expect(JSON.stringify(asked.events)).not.toContain('typed-token');
		const error = await failureOf<MissingInputError>(buildStep.run((await setup({env, interactive: false})).ctx));
		expect(error).toBeInstanceOf(MissingInputError);
		expect(error.hint).toBe('Pass LIBRATO_TOKEN.');
	});

	it('fails clearly when packer cannot be started', async () => {
		const error = await failureOf<StepFailedError>(buildStep.run((await setup({packer: path.join(dir, 'no-such-packer')})).ctx));
		expect(error).toBeInstanceOf(StepFailedError);
		expect(error.message).toContain('could not be started');
		expect(error.hint).toContain('binaries.packer');
	});
});

describe('build step Ctrl-C', () => {
	it('with the real packer: confirms, signals the group, waits for the clean-up, ends interrupted', async () => {
		const {ctx, questions, notices, pressCtrlC, waitForLine, logPath} = await setup({
			packer: 'packer',
			env: {PACKER_NULL_SLEEP: '30'},
			answers: ['yes'],
		});
		const running = failureOf<Error>(buildStep.run(ctx));
		await waitForLine('starting long step');
		expect(notices()).toContain(`Packer log: ${logPath}`);
		pressCtrlC();
		const error = await running;
		expect(questions()).toEqual(['Cancel the build? Packer will clean up the instance, key pair and security group it created.']);
		expect(error).toBeInstanceOf(InterruptedError);
		expect(error.message).toBe('Build cancelled. Packer cancelled the build and cleaned up what it had created.');
		expect(notices().some(message => message.startsWith('Cancelling the build: Packer is cleaning up'))).toBe(true);
		expect(await readFile(logPath, 'utf8')).toContain('Cleanly cancelled builds after being interrupted.');
		pressCtrlC();
		expect(ctx.signal.aborted).toBe(true);
	}, 20_000);

	it('keeps building when the operator says no', async () => {
		const {ctx, notices, pressCtrlC, waitForLine} = await setup({env: {FAKE_SLEEP: '1'}, answers: ['no']});
		const running = buildStep.run(ctx);
		await waitForLine('long wait');
		pressCtrlC();
		expect(await running).toMatchObject({amiId: AMI});
		expect(notices()).toContain('The build goes on.');
	});

	it('cancels without asking when nobody can answer', async () => {
		const {ctx, questions, pressCtrlC, waitForLine} = await setup({env: {FAKE_SLEEP: '30'}, interactive: false});
		const running = failureOf<Error>(buildStep.run(ctx));
		await waitForLine('long wait');
		pressCtrlC();
		expect(await running).toBeInstanceOf(InterruptedError);
		expect(questions()).toEqual([]);
	});

	it('cancels cleanly when the run is aborted from elsewhere', async () => {
		const {ctx, questions, waitForLine, abort} = await setup({env: {FAKE_SLEEP: '30'}});
		const running = failureOf<Error>(buildStep.run(ctx));
		await waitForLine('long wait');
		abort();
		const error = await running;
		expect(error).toBeInstanceOf(InterruptedError);
		expect(error.message).toBe('Build cancelled. Packer cancelled the build and cleaned up what it had created.');
		expect(questions()).toEqual([]);
	});

	it('a second Ctrl-C during the clean-up kills the group and names what is left behind', async () => {
		const {ctx, notices, pressCtrlC, waitForLine} = await setup({env: {FAKE_SLEEP: '30', FAKE_IGNORE_INT: '1'}, answers: ['yes']});
		const running = failureOf<InterruptedError>(buildStep.run(ctx));
		await waitForLine('long wait');
		pressCtrlC();
		while (!notices().some(message => message.startsWith('Cancelling the build'))) await new Promise(resolve => setTimeout(resolve, 20));
		pressCtrlC();
		const error = await running;
		expect(error).toBeInstanceOf(InterruptedError);
		const left =
			'EC2 instance i-0d3c5a8e7f21b9c44, key pair packer_601aaae0-6b1e-7b6a-3c1d-0c9e5a2f4b71, security group packer_601aaae1-2f0d-4e1a-90a1-8d4c7e3b2a55';
		expect(notices()).toContain(`Stopping Packer at once: this leaves behind ${left}.`);
		expect(error.message).toBe(`Stopped Packer at once (SIGKILL); left behind in AWS: ${left}.`);
	});
});

/** Starts a build through the runner in a child CLI, then SIGKILLs that CLI once its log shows Packer waiting for the AMI. */
async function orphanPacker(
	logPath: string,
	env: NodeJS.ProcessEnv,
	packer = ORPHAN_PACKER,
	marker = 'Waiting for AMI',
): Promise<PackerProcess> {
	const cli = spawn(process.execPath, ['--import', 'tsx', ORPHAN_CLI, packer, NULL_TEMPLATE, logPath], {
		env: {...process.env, BUILD_ORPHAN_MARKER: marker, ...env},
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	const [line] = (await once(cli.stdout, 'data')) as [Buffer];
	const started = JSON.parse(line.toString()) as PackerProcess;
	while (!(await readFile(logPath, 'utf8')).includes(marker)) await new Promise(resolve => setTimeout(resolve, 20));
	cli.kill('SIGKILL');
	await once(cli, 'exit');
	return started;
}

/** A keeper record (and output) as an interrupted attempt would have left them. */
async function writeRecord(logPath: string, record: KeeperRecord, out: string[] = []): Promise<void> {
	const files = packerFilesOf(logPath);
	await mkdir(path.dirname(logPath), {recursive: true});
	await writeFile(files.record, JSON.stringify(record));
	await writeFile(files.out, out.map(line => `${line}\n`).join(''));
}

async function traceOf(file: string): Promise<string[]> {
	return (await readFile(file, 'utf8')).trim().split('\n');
}

describe('build step after the CLI was killed mid-build', () => {
	it('starts no second Packer while the orphan lives: follows its keeper until it ends, then adopts its AMI', async () => {
		const trace = path.join(dir, 'trace.txt');
		const orphan = await orphanPacker(packerLog(), {ORPHAN_PACKER_TRACE: trace, ORPHAN_PACKER_HOLD_MS: '1500'});
		expect(isRunning(orphan)).toBe(true);
		const {ctx, events, notices, logLines, logPath} = await setup({packer: ORPHAN_PACKER, record: following(orphan)});
		const outputs = await buildStep.run(ctx);
		expect(await traceOf(trace)).toEqual([`start ${orphan.pid}`, `end ${orphan.pid} 0`]);
		expect(notices()).toContain(`Packer from the interrupted run (pid ${orphan.pid}) is still building; following it until it ends.`);
		expect(logLines()).toContain(`==> amazon-ebs: Adding tags to AMI (${ORPHAN_AMI})...`);
		expect(notices()).toContain(`Packer from the interrupted run (pid ${orphan.pid}) has ended: it built ${ORPHAN_AMI} (us-east-1).`);
		expect(outputs).toEqual({amiId: ORPHAN_AMI, amiIds: {'us-east-1': ORPHAN_AMI}, logPath, adopted: true});
		expect(events.some(event => event.type === 'step')).toBe(false);
		const log = await readFile(logPath, 'utf8');
		expect(log.indexOf('Waiting for AMI')).toBeLessThan(log.indexOf('Adding tags'));
		expect(readKeeperRecord(packerFilesOf(logPath).record)).toMatchObject({state: 'ended', exitCode: 0, amiIds: {'us-east-1': ORPHAN_AMI}});
		expect(ec2Calls('DescribeImages')[0]).toEqual({ImageId: [ORPHAN_AMI]});
	}, 20_000);

	it('Ctrl-C while following the orphan cancels it through its group; it cleans up, nothing is built', async () => {
		const trace = path.join(dir, 'trace.txt');
		const orphan = await orphanPacker(packerLog(), {ORPHAN_PACKER_TRACE: trace, ORPHAN_PACKER_HOLD_MS: '30000'});
		const {ctx, notices, pressCtrlC} = await setup({packer: ORPHAN_PACKER, record: following(orphan)});
		const running = failureOf<Error>(buildStep.run(ctx));
		while (!notices().some(message => message.includes('is still building'))) await new Promise(resolve => setTimeout(resolve, 20));
		pressCtrlC();
		const error = await running;
		expect(error).toBeInstanceOf(InterruptedError);
		expect(error.message).toBe(`Stopped Packer from the interrupted run (pid ${orphan.pid}).`);
		expect(await traceOf(trace)).toEqual([`start ${orphan.pid}`, `end ${orphan.pid} 1`]);
		expect(notices()).toContain(
			`Packer from the interrupted run (pid ${orphan.pid}) has ended: it cancelled the build and cleaned up what it had created.`,
		);
		expect(isRunning(orphan)).toBe(false);
		expect(ec2Calls('DescribeImages')).toHaveLength(0);
	}, 20_000);

	it('a second Ctrl-C kills the orphan and names what its log shows it left behind', async () => {
		const orphan = await orphanPacker(packerLog(), {ORPHAN_PACKER_HOLD_MS: '30000', ORPHAN_PACKER_IGNORE_INT: '1'});
		const {ctx, notices, pressCtrlC, logPath} = await setup({packer: ORPHAN_PACKER, record: following(orphan)});
		const running = failureOf<Error>(buildStep.run(ctx));
		while (!notices().some(message => message.includes('is still building'))) await new Promise(resolve => setTimeout(resolve, 20));
		pressCtrlC();
		pressCtrlC();
		expect(await running).toBeInstanceOf(InterruptedError);
		expect(isRunning(orphan)).toBe(false);
		expect(notices()).toContain(
			`Packer from the interrupted run (pid ${orphan.pid}) has ended without building an AMI. Its log (${logPath}) shows it may have left behind in AWS: EC2 instance i-0orphan0000000001, key pair packer_orphan, security group packer_orphan_sg, AMI ${ORPHAN_AMI} (possibly half-made); check for them in the EC2 console and delete them.`,
		);
	}, 20_000);

	it('the real Packer 1.6.6 outlives the killed CLI and is read to its end', async () => {
		const logPath = path.join(dir, 'state', 'runs', 'real.packer.log');
		const orphan = await orphanPacker(logPath, {PACKER_NULL_SLEEP: '2'}, 'packer', 'starting long step');
		const followed = await followPackerBuild({files: packerFilesOf(logPath), secrets: [], fromEnd: true});
		expect(followed).toMatchObject({exitCode: 0, amiIds: {}, errors: [], cancelled: false});
		expect(isRunning(orphan)).toBe(false);
		expect(await readFile(logPath, 'utf8')).toMatch(/Build 'null' finished after/);
	}, 20_000);

	it('a new build checkpoints its log path, then its Packer pid and start time before its first progress event', async () => {
		const trace = path.join(dir, 'trace.txt');
		const {ctx, events} = await setup({packer: ORPHAN_PACKER, env: {ORPHAN_PACKER_TRACE: trace, ORPHAN_PACKER_HOLD_MS: '0'}});
		expect(await buildStep.run(ctx)).toMatchObject({amiId: ORPHAN_AMI});
		const [started] = await traceOf(trace);
		const checkpoints = events.filter(event => event.type === 'checkpoint');
		expect(checkpoints).toEqual([
			expect.objectContaining({type: 'checkpoint', step: 'build', outputs: {logPath: ctx.paths.packerLog}}),
			expect.objectContaining({
				type: 'checkpoint',
				step: 'build',
				outputs: {
					packerPid: Number(started!.split(' ')[1]),
					packerStartedAt: expect.stringMatching(/^\d+$/),
					keeperPid: expect.any(Number),
				},
			}),
		]);
		expect(events.findIndex(event => event.type === 'progress')).toBeGreaterThan(events.indexOf(checkpoints[1]!));
		expect(events.some(event => event.type === 'step')).toBe(false);
	});

	it('does not follow a recorded keeper or Packer whose pid now belongs to another process', async () => {
		const sleeper = spawn('sleep', ['30']);
		try {
			const stat = await readFile(`/proc/${sleeper.pid}/stat`, 'utf8');
			const startedAt = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
			for (const other of [
				{pid: sleeper.pid!, startedAt},
				{pid: process.pid, startedAt: '1'},
			]) {
				const {ctx, notices, logPath} = await setup({record: {status: 'running', attempts: 1}});
				await writeRecord(logPath, {keeper: other, packer: other, state: 'running', amiIds: {}, cancelled: false, errors: []});
				expect(await buildStep.run(ctx)).toMatchObject({amiId: AMI});
				expect(notices().some(message => message.includes('interrupted run'))).toBe(false);
			}
		} finally {
			sleeper.kill();
		}
	});

	it("keeper and Packer killed after CreateImage: adopts the AMI their output announced, once EC2 shows it is the account's, waiting while it is pending", async () => {
		const {ctx, notices, logPath} = await setup({
			packer: path.join(dir, 'no-such-packer'),
			record: {status: 'running', attempts: 1},
			images: [ownImage(ORPHAN_AMI, {state: 'pending'})],
			completesWhenAwaited: ORPHAN_AMI,
		});
		await writeRecord(
			logPath,
			{keeper: {pid: 1, startedAt: '0'}, packer: {pid: 1, startedAt: '0'}, state: 'running', amiIds: {}, cancelled: false, errors: []},
			[
				'1796190000,,ui,say,==> amazon-ebs: Creating AMI convox-dev-1 from instance i-0f1e2d3c4b5a69788',
				`1796190001,,ui,message,    amazon-ebs: AMI: ${ORPHAN_AMI}`,
				'1796190001,,ui,say,==> amazon-ebs: Waiting for AMI to become ready...',
			],
		);
		expect(await buildStep.run(ctx)).toEqual({amiId: ORPHAN_AMI, amiIds: {'us-east-1': ORPHAN_AMI}, logPath, adopted: true});
		expect(notices()).toContain(`AMI ${ORPHAN_AMI} from the interrupted build is still pending; waiting for it instead of building again.`);
		expect(
			notices().some(
				message =>
					message.startsWith(`Adopted AMI ${ORPHAN_AMI} (us-east-1), built by the interrupted build`) &&
					message.endsWith('not building again.'),
			),
		).toBe(true);
	}, 60_000);

	it('the AMI of a build Packer itself reported as failed is not adopted: it builds again', async () => {
		const {ctx, logPath} = await setup({record: {status: 'running', attempts: 1}});
		await writeRecord(
			logPath,
			{
				keeper: {pid: 1, startedAt: '0'},
				state: 'ended',
				exitCode: 1,
				amiIds: {},
				createdAmi: ORPHAN_AMI,
				cancelled: false,
				errors: ['Post-processor failed'],
			},
			[`1796190001,,ui,message,    amazon-ebs: AMI: ${ORPHAN_AMI}`],
		);
		expect(await buildStep.run(ctx)).toMatchObject({amiId: AMI});
		expect(ec2Calls('DescribeImages').filter(params => JSON.stringify(params.ImageId) === JSON.stringify([ORPHAN_AMI]))).toHaveLength(0);
	});

	it('an announced AMI of another account, or one EC2 does not know, is not adopted: it builds', async () => {
		for (const images of [[ownImage(AMI), ownImage(ORPHAN_AMI, {ownerId: '999999999999'})], [ownImage(AMI)]]) {
			const {ctx, notices, logPath} = await setup({record: {status: 'running', attempts: 1}, images});
			await writeRecord(logPath, {
				keeper: {pid: 1, startedAt: '0'},
				state: 'ended',
				exitCode: 0,
				amiIds: {'us-east-1': ORPHAN_AMI},
				cancelled: false,
				errors: [],
			});
			expect(await buildStep.run(ctx)).toMatchObject({amiId: AMI});
			expect(
				notices().some(
					message =>
						message.includes(`999999999999, not 111111111111; it is not used.`) ||
						message.includes('EC2 does not know it; it is not used.'),
				),
			).toBe(true);
		}
	});
});

describe('build step credentials and secrets', () => {
	it('serves temporary credentials to Packer from a loopback endpoint (never its environment), refreshed, and closes it after the build', async () => {
		let served = {...ACCOUNT_KEYS, expiration: new Date(Date.now() + 30 * 60_000)};
		const handedOut: string[] = [];
		const refreshed = {accessKeyId: 'AKIAREFRESHED0000002', secretAccessKey: 'refreshed-s3cret', sessionToken: 'refreshed-s3ssion'};
		const {ctx, notices, events, stateDir} = await setup({
			// Temporary credentials renewed at each resolution: the first is the build step's own, the endpoint's is the SDK's refresh.
			credentials: async () => {
				const now = served;
				handedOut.push(now.accessKeyId);
				served = {...refreshed, expiration: new Date(Date.now() + 60 * 60_000)};
				return now;
			},
		});
		const outputs = await buildStep.run(ctx);
		expect(outputs).toMatchObject({amiId: AMI});
		expect(await readFile(path.join(dir, 'args.txt.aws'), 'utf8')).toBe('AWS=   profile=\n');
		expect(JSON.parse(await readFile(path.join(dir, 'args.txt.served'), 'utf8'))).toEqual({
			AccessKeyId: refreshed.accessKeyId,
			SecretAccessKey: refreshed.secretAccessKey,
			Token: refreshed.sessionToken,
			Expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
		});
		// Then the EC2 client's own resolution, for the launch-permission check after the build.
		expect(handedOut).toEqual([ACCOUNT_KEYS.accessKeyId, refreshed.accessKeyId, refreshed.accessKeyId]);
		expect(world.aws.calls.find(call => call.action === 'DescribeImageAttribute')?.accessKeyId).toBe(refreshed.accessKeyId);
		expect(await readFile(path.join(dir, 'args.txt.refused'), 'utf8')).toBe('403');
		expect(notices().find(message => message.startsWith("Packer's AWS credentials"))).toMatch(
			/temporary \(they expire at \d\d:\d\d, in (29|30) min\): this process serves them to Packer on 127\.0\.0\.1, renewed by the AWS SDK .* If their source cannot renew them \(keys in the environment, a credential_process\), a build longer than (29|30) min fails/,
		);
		const token = await readFile(path.join(dir, 'args.txt.token'), 'utf8');
		expect(token.length).toBeGreaterThan(20);
		const written = (await filesUnder(stateDir)) + JSON.stringify(events);
		expect(written).not.toContain(token);
		expect(written).not.toContain(refreshed.secretAccessKey);
		const url = /AWS_CONTAINER_CREDENTIALS_FULL_URI=(\S+)/.exec(await readFile(path.join(dir, 'args.txt.url'), 'utf8'))?.[1];
		await expect(fetch(url!)).rejects.toThrow();
	});

	it('hands long-lived keys (no expiration) to Packer in its environment, as they are', async () => {
		const {ctx, notices} = await setup();
		await buildStep.run(ctx);
		expect(await readFile(path.join(dir, 'args.txt.aws'), 'utf8')).toBe(
			`AWS=${ACCOUNT_KEYS.accessKeyId} ${ACCOUNT_KEYS.secretAccessKey} ${ACCOUNT_KEYS.sessionToken} profile=\n`,
		);
		expect(notices().some(message => message.startsWith("Packer's AWS credentials"))).toBe(false);
	});

	it("fails clearly when the account's credentials cannot be resolved", async () => {
		const {ctx} = await setup({credentials: () => Promise.reject(new Error('The SSO session has expired'))});
		const error = await failureOf<StepFailedError>(buildStep.run(ctx));
		expect(error).toBeInstanceOf(StepFailedError);
		expect(error.message).toContain(
			'Could not resolve the AWS credentials of account 111111111111 for Packer: The SSO session has expired',
		);
	});

	it('removes a var-file folder an earlier crash left, before it builds', async () => {
		const {ctx, logPath} = await setup();
		const leftover = packerFilesOf(logPath).varFileDir;
		await mkdir(leftover, {recursive: true});
		await writeFile(path.join(leftover, 'variables.json'), '{}');
		await buildStep.run(ctx);
		await expect(readdir(leftover)).rejects.toThrow(/ENOENT/);
	});
});
