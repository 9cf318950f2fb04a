import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import type {StandInData} from '../../source/rehearsal/aws/model';
import {outputsOf} from '../../source/core/step-outputs';
import {STEP_IDS, type Run} from '../../source/core/types';
import {createLimiter, faultEnv, runCliUntil, waitUntilGone, type CliEvent, type CliOutcome, type KillWhen} from '../support/fault-cli';
import {imagesOfRun, parameterOf, readAwsState, readOnlyRun, reportOf, stackOf, updatesBegun} from '../support/fault-state';

const STACK = 'convox-dev';
const CONVOX_VERSION = '20160916121812';
const RELEASE = ['release', '--rehearse', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'];
const RESUME = ['resume', '--yes', '--json', '--confirm', 'sumologic'];
/** A case mostly waits on the stand-ins' clocks: four at a time use under one core on average (measured). */
const limit = createLimiter(4);
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
	when: (event: CliEvent, seen: readonly CliEvent[]) => boolean;
	/** Once `when` matched, holds the kill until the stand-ins' world (read from the state dir) is so. */
	hold?: (stateDir: string) => Promise<boolean>;
	/** Proves the kill landed where the name says (e.g. an AMI exists, an update is under way). */
	landed?: (world: AtKill) => void;
	/** A notice the resume must show: what it found and kept instead of repeating it. */
	recovered?: RegExp;
	/** A notice the resume must not show: a side effect that was already made. */
	notRepeated?: RegExp;
	/** Environment of the killed process and of the resume, over the fast defaults. */
	env?: NodeJS.ProcessEnv;
}

const isStep = (id: string, status: string) => (event: CliEvent) => event.type === 'step' && event.step === id && event.status === status;
const count = (seen: readonly CliEvent[], match: (event: CliEvent) => boolean) => seen.filter(match).length;
const stepStatus = (run: Run, id: string) => run.steps.find(step => step.id === id)?.status;

const midBuildBeforeAmi: KillPoint = {
	name: 'mid-build, before Packer made the AMI (10th log line)',
	when: (event, seen) => event.type === 'log' && count(seen, candidate => candidate.type === 'log' && candidate.step === 'build') === 10,
	landed({run, aws}) {
		expect(stepStatus(run, 'build')).toBe('running');
		expect(imagesOfRun(aws, run.id)).toHaveLength(0);
	},
};

const midUpdate: KillPoint = {
	name: 'mid-update (first stack event)',
	when: event => event.type === 'stack-event',
	landed({aws}) {
		const stack = stackOf(aws, STACK);
		expect(stack.update).toBeDefined();
		expect(stack.status).toBe('UPDATE_IN_PROGRESS');
	},
	// The rehearsal's update moves on its own clock: on a busy machine it may have ended before the resume looks.
	recovered: /^(Re-attaching to the update of convox-dev that this run started|The update this run started earlier is done)/,
};

const killPoints: KillPoint[] = [
	{name: 'after run started', when: event => event.type === 'run' && event.status === 'started'},
	{name: 'after account running', when: isStep('account', 'running')},
	{name: 'after account done', when: isStep('account', 'done')},
	{name: 'after resolve-version done', when: isStep('resolve-version', 'done')},
	{name: 'after template running', when: isStep('template', 'running')},
	{name: 'after template done', when: isStep('template', 'done')},
	midBuildBeforeAmi,
	{
		name: 'mid-build, after Packer registered the AMI',
		when: event => event.type === 'log' && typeof event.line === 'string' && event.line.includes('Waiting for AMI to become ready'),
		landed({run, aws}) {
			expect(stepStatus(run, 'build')).toBe('running');
			expect(imagesOfRun(aws, run.id)).toHaveLength(1);
		},
		recovered: /^Adopted AMI ami-\w+ .*not building again/,
	},
	{name: 'after build done', when: isStep('build', 'done')},
	{name: 'after update-stack running', when: isStep('update-stack', 'running')},
	{
		name: 'after the change set name is journaled',
		when: event =>
			event.type === 'checkpoint' &&
			event.step === 'update-stack' &&
			typeof (event.outputs as {changeSetName?: unknown} | undefined)?.changeSetName === 'string',
	},
	{
		name: 'change set created, still being computed',
		// CloudFormation takes 10 s to compute it (a resume on a loaded machine may take seconds to start):
		// the resume finds it unfinished and must wait for it, not make another.
		env: {CONVOX_AMI_REHEARSAL_CHANGE_SET_MS: '10000'},
		when: event => event.type === 'notice' && typeof event.message === 'string' && event.message.startsWith('Created change set'),
		landed({aws}) {
			const stack = stackOf(aws, STACK);
			expect(stack.changeSets).toHaveLength(1);
			expect(stack.changeSets[0]!.executionStatus).toBeUndefined();
			expect(updatesBegun(stack)).toBe(0);
		},
		// A resume that starts after the 10 s (a busy CI machine) finds it computed and reuses it: never another.
		recovered:
			/^(Change set convox-ami-.* from the earlier attempt is still being computed \(CREATE_(PENDING|IN_PROGRESS)\); waiting for it|Reusing change set convox-ami-.*never executed)/,
		notRepeated: /^Created change set/,
	},
	{
		name: 'change set computed, not yet seen by the run',
		when: event => event.type === 'notice' && typeof event.message === 'string' && event.message.startsWith('Created change set'),
		// The rehearsal computes a change set in 1 s; the run's waiter (paced by the stack poll) looks again only after 2 s.
		env: {CONVOX_AMI_STACK_POLL_MS: '2000'},
		hold: stateDir =>
			waitForWorld(stateDir, aws => stackOf(aws, STACK).changeSets.some(changeSet => Date.now() - changeSet.createdAt > 1100)),
		landed({run, aws}) {
			expect(stepStatus(run, 'update-stack')).toBe('running');
			expect(stackOf(aws, STACK).changeSets.map(changeSet => changeSet.executionStatus)).toEqual([undefined]);
		},
		recovered: /^Reusing change set convox-ami-.*never executed/,
		notRepeated: /^Created change set/,
	},
	// Executed or not by the time the kill lands: either way the stack is updated once.
	{name: 'after the change set preview', when: event => event.type === 'change-set'},
	midUpdate,
	{
		name: 'update complete in CloudFormation, not yet seen by the run',
		when: event => event.type === 'stack-event',
		// The stack is polled every 2 s here, so the kill lands between the end of the update and the run seeing it.
		env: {CONVOX_AMI_STACK_POLL_MS: '2000'},
		hold: stateDir => waitForWorld(stateDir, aws => !stackOf(aws, STACK).update && stackOf(aws, STACK).status === 'UPDATE_COMPLETE'),
		landed({run, aws}) {
			expect(stepStatus(run, 'update-stack')).toBe('running');
			expect(parameterOf(stackOf(aws, STACK), 'Ami')).toBe(outputsOf(run, 'build').amiId);
		},
		recovered: /^The update this run started earlier is done: convox-dev is UPDATE_COMPLETE/,
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
		recovered: /^Kept from the earlier attempt: .*(rack|instances|hello-world|librato)/,
	},
];

const justResumed: KillPoint = {
	name: 'right after it announced the resume',
	when: event => event.type === 'run' && event.status === 'resumed',
};

/** A resume killed in turn; the last resume must still find what the first run left. */
const doubleFaults: Array<{first: KillPoint; second: KillPoint; recovered: RegExp}> = [
	{first: midBuildBeforeAmi, second: midUpdate, recovered: midUpdate.recovered!},
	{
		first: midUpdate,
		second: justResumed,
		// Two kills and a resume in between can outlast the rehearsal's short update: the last resume then
		// finds it done instead of re-attaching; either way it is adopted, never made again.
		recovered: /^(Re-attaching to the update of convox-dev that this run started|The update this run started earlier is done)/,
	},
];

/** Polls the persisted AWS state until `ready` holds (false after 10 s). */
async function waitForWorld(stateDir: string, ready: (aws: StandInData) => boolean): Promise<boolean> {
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) {
		if (ready(readAwsState(stateDir))) return true;
		await new Promise(resolve => setTimeout(resolve, 20));
	}
	return false;
}

function newStateDir(): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'convox-ami-fault-'));
	stateDirs.push(dir);
	return dir;
}

async function runUntilKilled(args: string[], stateDir: string, point: KillPoint): Promise<AtKill> {
	const {when, hold} = point;
	const killWhen: KillWhen = (event, seen) => when(event, seen) && (hold ? hold(stateDir) : true);
	const outcome = await runCliUntil([...args, '--state-dir', stateDir], {env: faultEnv(point.env), killWhen});
	expect(outcome.killed, `${point.name}: the run ended (exit ${outcome.exitCode}) before the kill point\n${outcome.stderr}`).toBe(true);
	expect(outcome.signal).toBe('SIGKILL');
	const world = {run: readOnlyRun(stateDir).run, aws: readAwsState(stateDir)};
	expect(world.run.status).toBe('running');
	point.landed?.(world);
	return world;
}

async function resume(stateDir: string, {env, runId}: {env?: NodeJS.ProcessEnv; runId?: string} = {}): Promise<CliOutcome> {
	const [command, ...flags] = RESUME;
	const outcome = await runCliUntil([command!, ...(runId ? [runId] : []), ...flags, '--state-dir', stateDir], {env: faultEnv(env)});
	expect(outcome.exitCode, `resume ended ${outcome.exitCode ?? outcome.signal}\n${outcome.stderr}`).toBe(0);
	return outcome;
}

const ranStep = (events: CliEvent[], id: string) =>
	events.some(event => event.type === 'step' && event.step === id && event.status === 'running');

/** What every case must end with, however many times it was killed. */
function expectOneCleanRelease(stateDir: string, resumes: number): Run {
	const {run} = readOnlyRun(stateDir);
	expect(run.status).toBe('finished');
	expect(run.steps.map(step => [step.id, step.status])).toEqual(STEP_IDS.map(id => [id, 'done']));

	const aws = readAwsState(stateDir);
	const stack = stackOf(aws, STACK);
	const amiId = outputsOf(run, 'build').amiId;
	expect(updatesBegun(stack), 'the stack was updated exactly once').toBe(1);
	expect(stack.status).toBe('UPDATE_COMPLETE');
	expect(stack.update).toBeUndefined();
	expect(stack.changeSets.map(changeSet => changeSet.executionStatus)).toEqual(['EXECUTE_COMPLETE']);
	expect(parameterOf(stack, 'Ami')).toBe(amiId);
	expect(parameterOf(stack, 'Version')).toBe(CONVOX_VERSION);
	expect(
		imagesOfRun(aws, run.id).map(image => image.imageId),
		'one AMI built for the run',
	).toEqual([amiId]);

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

function expectRecovery({recovered, notRepeated}: KillPoint, resumed: CliOutcome): void {
	const notices = resumed.events.filter(event => event.type === 'notice').map(event => String(event.message));
	if (recovered)
		expect(
			notices.some(message => recovered.test(message)),
			`no notice matches ${String(recovered)} in:\n${notices.join('\n')}`,
		).toBe(true);
	if (notRepeated) expect(notices.filter(message => notRepeated.test(message))).toEqual([]);
}

describe.concurrent('SIGKILL at any point, then resume: one release, one stack update, one AMI', () => {
	test.each(killPoints)('$name', {timeout: CASE_TIMEOUT_MS}, point =>
		limit(async () => {
			const stateDir = newStateDir();
			const atKill = await runUntilKilled(RELEASE, stateDir, point);
			const resumed = await resume(stateDir, point.env ? {env: point.env} : {});
			expectNoDoneStepRepeated(atKill.run, resumed);
			expectRecovery(point, resumed);
			const run = expectOneCleanRelease(stateDir, 1);
			expect(run.id).toBe(atKill.run.id);
		}),
	);

	test('the CLI alone killed mid-build: the orphaned Packer stops by itself, the resume builds once', {timeout: CASE_TIMEOUT_MS}, () =>
		limit(async () => {
			const stateDir = newStateDir();
			const killed = await runCliUntil([...RELEASE, '--state-dir', stateDir], {
				env: faultEnv(),
				killWhen: midBuildBeforeAmi.when,
				tree: false,
			});
			expect(killed.killed).toBe(true);
			expect(killed.signal).toBe('SIGKILL');
			expect(killed.orphans.length, 'Packer was running when the CLI died').toBeGreaterThan(0);
			expect(await waitUntilGone(killed.orphans, 10_000), 'orphans still running 10 s after the CLI died').toEqual([]);
			const {run} = readOnlyRun(stateDir);
			expect(imagesOfRun(readAwsState(stateDir), run.id)).toHaveLength(0);
			const resumed = await resume(stateDir);
			expectNoDoneStepRepeated(run, resumed);
			expectOneCleanRelease(stateDir, 1);
		}),
	);

	// Plain `resume` finds no unfinished run here; naming the run writes the report that the kill may have prevented.
	test('after run finished, before the report: resume RUN_ID writes the report and repeats nothing', {timeout: CASE_TIMEOUT_MS}, () =>
		limit(async () => {
			const stateDir = newStateDir();
			const killed = await runCliUntil([...RELEASE, '--state-dir', stateDir], {
				env: faultEnv(),
				killWhen: event => event.type === 'run' && event.status === 'finished',
			});
			expect(killed.killed).toBe(true);
			expect(killed.signal).toBe('SIGKILL');
			const {run} = readOnlyRun(stateDir);
			expect(run.status).toBe('finished');
			const resumed = await resume(stateDir, {runId: run.id});
			expectNoDoneStepRepeated(run, resumed);
			expectOneCleanRelease(stateDir, 1);
		}),
	);

	test.each(doubleFaults)(
		'double fault: $first.name, then the resume killed $second.name',
		{timeout: CASE_TIMEOUT_MS},
		({first, second, recovered}) =>
			limit(async () => {
				const stateDir = newStateDir();
				const atFirstKill = await runUntilKilled(RELEASE, stateDir, first);
				const atSecondKill = await runUntilKilled(RESUME, stateDir, second);
				expect(atSecondKill.run.id).toBe(atFirstKill.run.id);
				const resumed = await resume(stateDir);
				expectNoDoneStepRepeated(atSecondKill.run, resumed);
				expectRecovery({...second, recovered}, resumed);
				expectOneCleanRelease(stateDir, 2);
			}),
	);
});
