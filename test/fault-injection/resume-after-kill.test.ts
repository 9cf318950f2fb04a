import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import type {StandInData} from '../../source/rehearsal/aws/model';
import {STEP_IDS, type Run} from '../../source/workflow/types';
import {createLimiter, faultEnv, runCliUntil, type CliEvent, type CliOutcome, type KillWhen} from '../support/fault-cli';
import {imagesOfRun, parameterOf, readAwsState, readOnlyRun, reportOf, stackOf, updatesBegun} from '../support/fault-state';

const STACK = 'convox-dev';
const CONVOX_VERSION = '20160916121812';
const RELEASE = ['release', '--rehearse', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'];
const RESUME = ['resume', '--yes', '--json', '--confirm', 'sumologic'];
/** Each case is mostly waiting on the stand-ins' clocks; three at a time keep the suite within two cores. */
const limit = createLimiter(3);
const CASE_TIMEOUT_MS = 180_000;

const stateDirs: string[] = [];
afterAll(() => {
	for (const dir of stateDirs) rmSync(dir, {recursive: true, force: true});
});

/** The world right after a kill: the journal as it was left and the stand-ins' persisted AWS. */
interface AtKill {
	run: Run;
	aws: StandInData;
}

interface KillPoint {
	name: string;
	when: KillWhen;
	/** Proves the kill landed where the name says (e.g. an AMI exists, an update is under way). */
	landed?: (world: AtKill) => void;
}

const isStep = (id: string, status: string): KillWhen => event => event.type === 'step' && event.step === id && event.status === status;
const count = (seen: readonly CliEvent[], match: (event: CliEvent) => boolean) => seen.filter(match).length;
const stepStatus = (run: Run, id: string) => run.steps.find(step => step.id === id)?.status;

const killPoints: KillPoint[] = [
	{name: 'after run started', when: event => event.type === 'run' && event.status === 'started'},
	{name: 'after account running', when: isStep('account', 'running')},
	{name: 'after account done', when: isStep('account', 'done')},
	{name: 'after resolve-version done', when: isStep('resolve-version', 'done')},
	{name: 'after template running', when: isStep('template', 'running')},
	{name: 'after template done', when: isStep('template', 'done')},
	{
		name: 'mid-build, before Packer made the AMI (10th log line)',
		when: (event, seen) => event.type === 'log' && count(seen, candidate => candidate.type === 'log' && candidate.step === 'build') === 10,
		landed({run, aws}) {
			expect(stepStatus(run, 'build')).toBe('running');
			expect(imagesOfRun(aws, run.id)).toHaveLength(0);
		},
	},
	{
		name: 'mid-build, after Packer registered the AMI',
		when: event => event.type === 'log' && typeof event.line === 'string' && event.line.includes('Waiting for AMI to become ready'),
		landed({run, aws}) {
			expect(stepStatus(run, 'build')).toBe('running');
			expect(imagesOfRun(aws, run.id)).toHaveLength(1);
		},
	},
	{name: 'after build done', when: isStep('build', 'done')},
	{name: 'after update-stack running', when: isStep('update-stack', 'running')},
	{
		name: 'after the change set name is journaled',
		when: event => isStep('update-stack', 'running')(event, []) && typeof (event.outputs as {changeSetName?: unknown} | undefined)?.changeSetName === 'string',
	},
	{
		name: 'change set created, not executed',
		when: event => event.type === 'notice' && typeof event.message === 'string' && event.message.startsWith('Created change set'),
		landed({aws}) {
			const stack = stackOf(aws, STACK);
			expect(stack.changeSets).toHaveLength(1);
			expect(stack.changeSets[0]!.executionStatus).toBeUndefined();
			expect(updatesBegun(stack)).toBe(0);
		},
	},
	{name: 'after the change set preview', when: event => event.type === 'change-set'},
	{
		name: 'mid-update (first stack event)',
		when: event => event.type === 'stack-event',
		landed({aws}) {
			const stack = stackOf(aws, STACK);
			expect(stack.update).toBeDefined();
			expect(stack.status).toBe('UPDATE_IN_PROGRESS');
		},
	},
	{name: 'after update-stack done', when: isStep('update-stack', 'done')},
	{name: 'after verify running', when: isStep('verify', 'running')},
	{
		name: 'mid-checklist (first check running)',
		when: event => event.type === 'check' && event.status === 'running',
		landed({run}) {
			expect(run.checks.some(check => check.status === 'running')).toBe(true);
		},
	},
	{
		name: 'after an automated check passed, before verify done',
		when: event => event.type === 'check' && event.kind === 'auto' && event.status === 'pass',
		landed({run}) {
			expect(stepStatus(run, 'verify')).toBe('running');
			expect(run.checks.some(check => check.kind === 'auto' && check.status === 'pass')).toBe(true);
		},
	},
];

function newStateDir(): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'convox-ami-fault-'));
	stateDirs.push(dir);
	return dir;
}

async function runUntilKilled(args: string[], stateDir: string, point: KillPoint): Promise<AtKill> {
	const outcome = await runCliUntil([...args, '--state-dir', stateDir], {env: faultEnv(), killWhen: point.when});
	expect(outcome.killed, `${point.name}: the run ended (exit ${outcome.exitCode}) before the kill point\n${outcome.stderr}`).toBe(true);
	expect(outcome.signal).toBe('SIGKILL');
	const world = {run: readOnlyRun(stateDir).run, aws: readAwsState(stateDir)};
	expect(world.run.status).toBe('running');
	point.landed?.(world);
	return world;
}

async function resume(stateDir: string): Promise<CliOutcome> {
	const outcome = await runCliUntil([...RESUME, '--state-dir', stateDir], {env: faultEnv()});
	expect(outcome.exitCode, `resume ended ${outcome.exitCode ?? outcome.signal}\n${outcome.stderr}`).toBe(0);
	return outcome;
}

const ranStep = (events: CliEvent[], id: string) => events.some(event => event.type === 'step' && event.step === id && event.status === 'running');

/** What every case must end with, however many times it was killed. */
function expectOneCleanRelease(stateDir: string, resumes: number): Run {
	const {run} = readOnlyRun(stateDir);
	expect(run.status).toBe('finished');
	expect(run.steps.map(step => [step.id, step.status])).toEqual(STEP_IDS.map(id => [id, 'done']));

	const aws = readAwsState(stateDir);
	const stack = stackOf(aws, STACK);
	const amiId = run.steps.find(step => step.id === 'build')!.outputs.amiId;
	expect(updatesBegun(stack), 'the stack was updated exactly once').toBe(1);
	expect(stack.status).toBe('UPDATE_COMPLETE');
	expect(stack.update).toBeUndefined();
	expect(stack.changeSets.map(changeSet => changeSet.executionStatus)).toEqual(['EXECUTE_COMPLETE']);
	expect(parameterOf(stack, 'Ami')).toBe(amiId);
	expect(parameterOf(stack, 'Version')).toBe(CONVOX_VERSION);
	expect(imagesOfRun(aws, run.id).map(image => image.imageId), 'one AMI built for the run').toEqual([amiId]);

	const resumedEntries = run.history.filter(entry => entry.message.startsWith('Resumed'));
	expect(resumedEntries).toHaveLength(resumes);
	const report = reportOf(stateDir, run.id);
	expect(report).toBeDefined();
	expect(report).toContain('## History');
	expect(report).toContain(resumedEntries[0]!.message.split('\n')[0]);
	return run;
}

/** The resume re-ran no step that the journal had as done when the process died. */
function expectNoDoneStepRepeated(before: Run, resumed: CliOutcome): void {
	for (const step of before.steps.filter(record => record.status === 'done')) {
		expect(ranStep(resumed.events, step.id), `${step.id} was done before the kill and ran again`).toBe(false);
	}
	const announced = resumed.events.find(event => event.type === 'run' && event.status === 'resumed');
	expect(announced?.message).toMatch(/^Resumed/);
}

describe.concurrent('SIGKILL at any point, then resume: one release, one stack update, one AMI', () => {
	test.each(killPoints)('$name', {timeout: CASE_TIMEOUT_MS}, point =>
		limit(async () => {
			const stateDir = newStateDir();
			const atKill = await runUntilKilled(RELEASE, stateDir, point);
			const resumed = await resume(stateDir);
			expectNoDoneStepRepeated(atKill.run, resumed);
			const run = expectOneCleanRelease(stateDir, 1);
			expect(run.id).toBe(atKill.run.id);
		}),
	);

	test('double fault: killed mid-build, the resume killed mid-update, resumed again', {timeout: CASE_TIMEOUT_MS}, () =>
		limit(async () => {
			const stateDir = newStateDir();
			const [beforeAmi, midUpdate] = [killPoints.find(point => point.name.startsWith('mid-build, before'))!, killPoints.find(point => point.name.startsWith('mid-update'))!];
			await runUntilKilled(RELEASE, stateDir, beforeAmi);
			const atSecondKill = await runUntilKilled(RESUME, stateDir, midUpdate);
			expect(imagesOfRun(atSecondKill.aws, atSecondKill.run.id)).toHaveLength(1);
			const resumed = await resume(stateDir);
			expectNoDoneStepRepeated(atSecondKill.run, resumed);
			expect(resumed.events.some(event => event.type === 'notice' && typeof event.message === 'string' && event.message.startsWith('Re-attaching'))).toBe(true);
			expectOneCleanRelease(stateDir, 2);
		}),
	);
});
