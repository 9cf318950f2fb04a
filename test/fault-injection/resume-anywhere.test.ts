import {execFile} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {hostname, tmpdir} from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, describe, expect, test} from 'vitest';
import type {StandInData} from '../../source/rehearsal/aws/model';
import type {Run} from '../../source/core/types';
import {writeFileSync} from 'node:fs';
import {faultEnv, runCliUntil, type CliEvent, type CliOutcome} from '../support/fault-cli';
import {imagesOfRun, stackOf, updatesBegun} from '../support/fault-state';
import {CLI} from '../support/pty';

const STATE = 's3://rehearsal/team';
const RELEASE = ['release', '--rehearse', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic', '--state', STATE];
const RESUME = ['resume', '--rehearse', '--yes', '--json', '--confirm', 'sumologic', '--state', STATE];
/** The rehearsal's fake secrets: none may reach the bucket. */
const SECRETS = ['rehearsal-librato-token', 'rehearsal-logspout-token', 'rehearsal-secret-access-key', 'rehearsal-state-secret-key'];
const CASE_TIMEOUT_MS = 240_000;
const LOCK_KEY = /^111111111111\.us-east-1\.convox-dev\.lock$/;

const roots: string[] = [];
afterAll(() => {
	for (const dir of roots) rmSync(dir, {recursive: true, force: true});
});

/** Two "machines": each its own folder and HOME, one rehearsal world (its S3 bucket and its AWS) between them. */
function twoMachines() {
	const root = mkdtempSync(path.join(tmpdir(), 'convox-ami-anywhere-'));
	roots.push(root);
	const world = path.join(root, 'world');
	const machine = (name: string) => {
		const home = path.join(root, name, 'home');
		mkdirSync(home, {recursive: true});
		return {
			stateDir: path.join(root, name, '.convox-ami'),
			env: faultEnv({HOME: home, CONVOX_AMI_REHEARSAL_WORLD: world, CONVOX_AMI_LOCK_EXPIRY_SECONDS: '2'}),
		};
	};
	const bucket = path.join(world, 's3', 'rehearsal', 'team');
	return {
		a: machine('a'),
		b: machine('b'),
		aws: () => JSON.parse(readFileSync(path.join(world, 'aws.json'), 'utf8')) as StandInData,
		bucketFiles: (): string[] => {
			if (!existsSync(bucket)) return [];
			return readdirSync(bucket, {recursive: true, withFileTypes: true})
				.filter(entry => entry.isFile())
				.map(entry => path.join(entry.parentPath, entry.name));
		},
		lockFile: () => {
			const dir = path.join(bucket, 'locks');
			const name = existsSync(dir) ? readdirSync(dir).find(candidate => LOCK_KEY.test(decodeURIComponent(candidate))) : undefined;
			return name ? path.join(dir, name) : undefined;
		},
		record: (runId: string) => path.join(bucket, 'runs', `${runId}.packer.record`),
		recordFiles: () =>
			(existsSync(path.join(bucket, 'runs')) ? readdirSync(path.join(bucket, 'runs')) : [])
				.filter(name => name.endsWith('.packer.record'))
				.map(name => path.join(bucket, 'runs', name)),
		journal: (runId: string) => JSON.parse(readFileSync(path.join(bucket, 'runs', `${runId}.json`), 'utf8')) as Run,
	};
}

type World = ReturnType<typeof twoMachines>;

const messages = (outcome: CliOutcome) =>
	outcome.events.filter(event => typeof event.message === 'string').map(event => event.message as string);

/** Until the killed holder's lock is older than its expiry (2 s here): then another machine may take it over. */
async function lockExpired(world: World): Promise<void> {
	await expect
		.poll(
			() => {
				const file = world.lockFile();
				if (!file) return true;
				const {heartbeat} = JSON.parse(readFileSync(file, 'utf8')) as {heartbeat: string};
				return Date.now() - Date.parse(heartbeat) > 2500;
			},
			{timeout: 30_000, interval: 250},
		)
		.toBe(true);
}

function expectNoSecretIn(world: World): void {
	const files = world.bucketFiles();
	expect(files.length).toBeGreaterThan(0);
	for (const file of files) {
		const text = readFileSync(file, 'utf8');
		for (const secret of SECRETS) expect(text, `${file} holds ${secret}`).not.toContain(secret);
	}
}

async function killedThenResumedElsewhere(killWhen: (event: CliEvent, seen: readonly CliEvent[]) => boolean) {
	const world = twoMachines();
	const first = await runCliUntil([...RELEASE, '--state-dir', world.a.stateDir], {env: world.a.env, killWhen});
	expect(first.killed, first.stderr).toBe(true);
	const runId = first.events.find(event => event.type === 'run')!.runId as string;
	await lockExpired(world);
	const second = await runCliUntil([...RESUME, '--state-dir', world.b.stateDir], {env: world.b.env});
	expect(second.exitCode, `${second.stderr}\n${messages(second).join('\n')}`).toBe(0);
	return {world, runId, second};
}

describe('resume anywhere: a release killed in folder A is finished from folder B against the same S3 state', () => {
	test(
		'killed mid-update: B takes the expired lock over and follows the update A started; one build, one stack update',
		async () => {
			const {world, runId, second} = await killedThenResumedElsewhere(event => event.type === 'stack-event');
			expect(messages(second).some(message => message.startsWith('Took over the lock of convox-dev in s3://rehearsal/team'))).toBe(true);
			// The update goes on by the rehearsal's clock meanwhile: on a busy machine it may have ended before B looks.
			expect(
				messages(second).some(message =>
					/^(Re-attaching to the update of convox-dev that this run started|The update this run started earlier is done: convox-dev is UPDATE_COMPLETE)/.test(
						message,
					),
				),
			).toBe(true);
			const aws = world.aws();
			expect(updatesBegun(stackOf(aws, 'convox-dev'))).toBe(1);
			expect(imagesOfRun(aws, runId)).toHaveLength(1);
			expect(world.journal(runId).status).toBe('finished');
			expect(existsSync(path.join(world.b.stateDir, 'runs', `${runId}.report.md`))).toBe(true);
			expect(world.bucketFiles().map(file => path.basename(file))).toEqual(
				expect.arrayContaining([`${runId}.json`, `${runId}.report.md`, `${runId}.packer.log`]),
			);
			expect(world.lockFile()).toBeUndefined();
			expectNoSecretIn(world);
		},
		CASE_TIMEOUT_MS,
	);

	test(
		'killed mid-build after Packer registered the AMI: B adopts it instead of building again (one build, one stack update); back on A, runs and rollback read it from the bucket',
		async () => {
			const {world, runId, second} = await killedThenResumedElsewhere(
				event => event.type === 'log' && typeof event.line === 'string' && event.line.includes('Waiting for AMI to become ready'),
			);
			expect(messages(second).some(message => /^Adopted AMI ami-\w+ .*not building again/.test(message))).toBe(true);
			const aws = world.aws();
			expect(imagesOfRun(aws, runId)).toHaveLength(1);
			expect(updatesBegun(stackOf(aws, 'convox-dev'))).toBe(1);
			expect(world.journal(runId).status).toBe('finished');

			// Back on A: `runs` and `rollback` read the run B finished from the bucket.
			const listed = await promisify(execFile)(
				process.execPath,
				[CLI, 'runs', '--json', '--rehearse', '--state', STATE, '--state-dir', world.a.stateDir],
				{
					env: world.a.env,
				},
			);
			expect(listed.stdout).toContain(`"id":"${runId}"`);
			expect(listed.stdout).toContain('"status":"finished"');
			const rollback = await runCliUntil(
				['rollback', runId, '--rehearse', '--yes', '--json', '--state', STATE, '--state-dir', world.a.stateDir],
				{
					env: world.a.env,
				},
			);
			expect(rollback.exitCode, rollback.stderr).toBe(0);
			expect(updatesBegun(stackOf(world.aws(), 'convox-dev'))).toBe(2);
			expect(world.journal(runId).history.map(entry => entry.message)).toContainEqual(
				expect.stringMatching(/^Rollback run \S+ finished\.$/),
			);
			expectNoSecretIn(world);
		},
		CASE_TIMEOUT_MS,
	);
});

describe('the Packer keeper’s record in the shared state', () => {
	test(
		'a keeper on another host that still renews its heartbeat: B refuses to build again, naming the host; once it is silent, B adopts the AMI it announced',
		async () => {
			const world = twoMachines();
			const announced = () => {
				const file = world.recordFiles()[0];
				return file !== undefined && /"createdAmi":"ami-/.test(readFileSync(file, 'utf8'));
			};
			const first = await runCliUntil([...RELEASE, '--state-dir', world.a.stateDir], {
				env: world.a.env,
				// Held until the keeper's upload of the AMI it announced has reached the bucket.
				killWhen: event =>
					event.type === 'log' && typeof event.line === 'string' && event.line.includes('Waiting for AMI to become ready')
						? expect
								.poll(announced, {timeout: 60_000, interval: 50})
								.toBe(true)
								.then(() => true)
						: false,
			});
			expect(first.killed).toBe(true);
			const runId = first.events.find(event => event.type === 'run')!.runId as string;
			// The keeper sent its record while Packer ran: it names this host, the AMI Packer announced, no end.
			const sent = JSON.parse(readFileSync(world.record(runId), 'utf8')) as Record<string, unknown>;
			expect(sent).toMatchObject({host: hostname(), state: 'running', createdAmi: expect.stringMatching(/^ami-/)});
			await lockExpired(world);
			const onMachineA = (heartbeat: Date) =>
				writeFileSync(world.record(runId), JSON.stringify({...sent, host: 'machine-a', heartbeat: heartbeat.toISOString()}));

			onMachineA(new Date());
			const refused = await runCliUntil([...RESUME, '--state-dir', world.b.stateDir], {env: world.b.env});
			expect(refused.exitCode).toBe(1);
			expect(messages(refused).join('\n')).toMatch(
				/The build of this run is still running on machine-a \(keeper pid \d+, Packer pid \d+, last heartbeat \d+s ago\): it is not built again here/,
			);
			expect(imagesOfRun(world.aws(), runId)).toHaveLength(1);

			onMachineA(new Date(Date.now() - 10 * 60_000));
			await lockExpired(world);
			const adopted = await runCliUntil([...RESUME, '--state-dir', world.b.stateDir], {env: world.b.env});
			expect(adopted.exitCode, adopted.stderr).toBe(0);
			expect(messages(adopted).some(message => /^Adopted AMI ami-\w+ .*its keeper kept the output/.test(message))).toBe(true);
			expect(imagesOfRun(world.aws(), runId)).toHaveLength(1);
			expect(updatesBegun(stackOf(world.aws(), 'convox-dev'))).toBe(1);
			expectNoSecretIn(world);
		},
		CASE_TIMEOUT_MS,
	);
});

describe('one release per rack across machines', () => {
	test(
		'while A releases, B is refused with exit 2 naming the holder; once A is gone, `unlock` frees the rack and B resumes A’s run to the end',
		async () => {
			const world = twoMachines();
			let refused: CliOutcome | undefined;
			// A's change set takes minutes to compute: A is surely holding the rack while B tries.
			const first = await runCliUntil([...RELEASE, '--state-dir', world.a.stateDir], {
				env: {...world.a.env, CONVOX_AMI_REHEARSAL_CHANGE_SET_MS: '600000', CONVOX_AMI_LOCK_EXPIRY_SECONDS: '600'},
				killWhen: event =>
					event.type === 'step' && event.step === 'update-stack' && event.status === 'running'
						? runCliUntil([...RELEASE, '--state-dir', world.b.stateDir], {env: world.b.env}).then(outcome => {
								refused = outcome;
								return true;
							})
						: false,
			});
			expect(first.killed).toBe(true);
			const runId = first.events.find(event => event.type === 'run')!.runId as string;
			expect(refused!.exitCode).toBe(2);
			const said = `${refused!.stderr}\n${messages(refused!).join('\n')}`;
			expect(said).toContain(`convox-dev (account 111111111111, us-east-1) is locked by`);
			expect(said).toContain(`run ${runId} (\`convox-ami release\`)`);
			const lockId = /convox-ami unlock (\S+)`/.exec(said)![1]!;
			// B changed nothing: no run of its own in the bucket, no second update.
			expect(world.bucketFiles().filter(file => file.endsWith('.json') && file.includes('/runs/'))).toHaveLength(1);

			const unlocked = await promisify(execFile)(process.execPath, [CLI, 'unlock', lockId, '--rehearse', '--state', STATE], {
				env: world.b.env,
			});
			expect(unlocked.stdout).toContain(`Released the lock ${lockId}`);
			expect(world.lockFile()).toBeUndefined();

			const resumed = await runCliUntil([...RESUME, runId, '--state-dir', world.b.stateDir], {env: world.b.env});
			expect(resumed.exitCode, resumed.stderr).toBe(0);
			expect(world.journal(runId).status).toBe('finished');
			expect(updatesBegun(stackOf(world.aws(), 'convox-dev'))).toBe(1);
		},
		CASE_TIMEOUT_MS,
	);
});
