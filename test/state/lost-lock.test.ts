import {execFile} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {afterAll, expect, test} from 'vitest';
import type {StandInData} from '../../source/rehearsal/aws/model';
import type {Run} from '../../source/core/types';
import {faultEnv, runCliUntil, type CliOutcome} from '../support/fault-cli';
import {imagesOfRun, stackOf, updatesBegun} from '../support/fault-state';
import {CLI} from '../support/pty';

const STATE = 's3://rehearsal/team';
const CASE_TIMEOUT_MS = 240_000;

const root = mkdtempSync(path.join(tmpdir(), 'convox-ami-lost-lock-'));
afterAll(() => rmSync(root, {recursive: true, force: true}));

const world = path.join(root, 'world');
const bucket = path.join(world, 's3', 'rehearsal', 'team');
function machine(name: string) {
	const home = path.join(root, name, 'home');
	mkdirSync(home, {recursive: true});
	return {stateDir: path.join(root, name, '.convox-ami'), env: faultEnv({HOME: home, CONVOX_AMI_REHEARSAL_WORLD: world})};
}

function lockHolder(): {id: string; pid: number} {
	const dir = path.join(bucket, 'locks');
	const name = readdirSync(dir).find(candidate => decodeURIComponent(candidate) === '111111111111.us-east-1.convox-dev.lock')!;
	return JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as {id: string; pid: number};
}

const messages = (outcome: CliOutcome) =>
	outcome.events.filter(event => typeof event.message === 'string').map(event => event.message as string);

test(
	'a lock released by hand mid-build: the run stops before its next step (exit 1, journal intact), resume takes the lock again and finishes; one build, one stack update',
	async () => {
		const a = machine('a');
		const b = machine('b');
		const first = await runCliUntil(
			['release', '--rehearse', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic', '--state', STATE, '--state-dir', a.stateDir],
			{
				env: a.env,
				killWhen: async event => {
					if (event.type !== 'step' || event.step !== 'build' || event.status !== 'running') return false;
					// The holder is held still while another operator unlocks it: it finds out at its next step boundary.
					const holder = lockHolder();
					process.kill(holder.pid, 'SIGSTOP');
					try {
						await promisify(execFile)(
							process.execPath,
							[CLI, 'unlock', `111111111111.us-east-1.convox-dev.${holder.id}`, '--rehearse', '--state', STATE, '--state-dir', b.stateDir],
							{env: b.env},
						);
					} finally {
						process.kill(holder.pid, 'SIGCONT');
					}
					return false;
				},
			},
		);
		expect(first.exitCode, first.stderr).toBe(1);
		const runId = first.events.find(event => event.type === 'run')!.runId as string;
		const stopped = first.events.find(event => event.type === 'error')!;
		expect(stopped).toMatchObject({step: 'update-stack'});
		expect(stopped.message).toMatch(
			/^The lock of convox-dev in s3:\/\/rehearsal\/team was released by hand \(`convox-ami unlock`\); this run no longer holds it\. Stopped before the update-stack step\./,
		);
		expect(first.stderr).toContain(`convox-ami resume ${runId}`);
		const journal = JSON.parse(readFileSync(path.join(bucket, 'runs', `${runId}.json`), 'utf8')) as Run;
		expect(journal.steps.map(step => [step.id, step.status])).toEqual([
			['account', 'done'],
			['resolve-version', 'done'],
			['template', 'done'],
			['build', 'done'],
			['update-stack', 'pending'],
			['verify', 'pending'],
		]);
		let aws = JSON.parse(readFileSync(path.join(world, 'aws.json'), 'utf8')) as StandInData;
		expect(updatesBegun(stackOf(aws, 'convox-dev'))).toBe(0);

		const second = await runCliUntil(
			['resume', runId, '--rehearse', '--yes', '--json', '--confirm', 'sumologic', '--state', STATE, '--state-dir', a.stateDir],
			{env: a.env},
		);
		expect(second.exitCode, `${second.stderr}\n${messages(second).join('\n')}`).toBe(0);
		aws = JSON.parse(readFileSync(path.join(world, 'aws.json'), 'utf8')) as StandInData;
		expect(updatesBegun(stackOf(aws, 'convox-dev'))).toBe(1);
		expect(imagesOfRun(aws, runId)).toHaveLength(1);
		expect((JSON.parse(readFileSync(path.join(bucket, 'runs', `${runId}.json`), 'utf8')) as Run).status).toBe('finished');
		expect(existsSync(path.join(bucket, 'locks')) ? readdirSync(path.join(bucket, 'locks')) : []).toEqual([]);
	},
	CASE_TIMEOUT_MS,
);
