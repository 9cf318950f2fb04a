import {createRunSecrets} from '../../source/services/run-secrets';
import type {RunSecrets} from '../../source/core/secrets';
import {mkdtemp} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseConfig} from '../../source/config/load-config';
import {createServices} from '../../source/services/create-services';
import {createUnattendedPrompter} from '../../source/ui/unattended-prompter';
import {UsageError, WaitingError} from '../../source/core/errors';
import {InterruptRouter} from '../../source/workflow/interrupts';
import {JournalStore, runFiles} from '../../source/workflow/journal-store';
import {createRun} from '../../source/workflow/plan';
import {Runner, type RunnerOptions} from '../../source/workflow/runner';
import type {Step, StepContext, StepTable} from '../../source/core/step';
import type {Prompter} from '../../source/core/prompter';
import type {RunEvent, StepId} from '../../source/core/types';

const config = parseConfig({accounts: {dev: {accountId: '111111111111', stackName: 'convox-dev'}}}, 'test');

/** An operator who types `value` at the masked prompt and is asked nothing else. */
function typingPrompter(value: string): Prompter {
	const unasked = () => Promise.reject(new Error('not asked in this test'));
	return {interactive: true, select: unasked, confirm: unasked, text: unasked, secret: async () => value};
}

async function setup(steps: StepTable, kind: 'release' | 'checklist' = 'checklist', secrets: RunSecrets = createRunSecrets({})) {
	const stateDir = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-runner-'));
	const store = new JournalStore(stateDir);
	await store.ensureWritable();
	const run = createRun({
		id: 'r1',
		kind,
		account: 'dev',
		mode: 'live',
		production: false,
		options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
	});
	const events: RunEvent[] = [];
	const interrupts = new InterruptRouter(() => undefined);
	const make = (current = run, resumed?: {message: string}, more: Partial<RunnerOptions> = {}) =>
		new Runner({
			run: current,
			steps,
			store,
			sink: event => events.push(event),
			config,
			configDir: stateDir,
			account: config.accounts.dev!,
			flags: {dryRun: false, rehearse: false, yes: false, confirm: [], json: false},
			services: createServices({config, configDir: stateDir, account: config.accounts.dev!, region: 'us-east-1', environment: {}}),
			prompt: createUnattendedPrompter({yes: false}),
			paths: {stateDir, ...runFiles(stateDir, run.id)},
			interrupts,
			secrets,
			...(resumed ? {resumed} : {}),
			...more,
		});
	return {store, events, interrupts, make};
}

/** A fake step: the runner journals whatever it returns, so the tests record what they need to see. */
const step = <S extends StepId>(id: S, run: (ctx: StepContext) => Promise<object>): Step<S> => ({
	id,
	plan: () => ({summary: ''}),
	run: run as Step<S>['run'],
});

describe('runner', () => {
	it('runs the steps in order, journals each, and finishes with exit 0', async () => {
		const {store, events, make} = await setup({
			account: step('account', async ctx => {
				ctx.emit({type: 'notice', level: 'info', message: 'hello'});
				return {accountId: '111111111111'};
			}),
			verify: step('verify', async ctx => ({seen: ctx.outputs('account').accountId})),
		});
		const outcome = await make().drive();
		expect(outcome.exitCode).toBe(0);
		const saved = await store.load('r1');
		expect(saved.status).toBe('finished');
		expect(saved.steps.map(record => [record.id, record.status])).toEqual([
			['account', 'done'],
			['verify', 'done'],
		]);
		expect(saved.steps[1]?.outputs).toEqual({seen: '111111111111'});
		expect(events.find(event => event.type === 'notice')).toMatchObject({step: 'account', runId: 'r1'});
	});

	it("a step's notice and progress verbs become events of that step, its secrets masked", async () => {
		const secrets = createRunSecrets({LOGSPOUT_TOKEN: 'tok-123'});
		const {events, make} = await setup(
			{
				account: step('account', async () => ({})),
				verify: step('verify', async ctx => {
					ctx.notice('warn', 'the token tok-123 leaked into a message');
					ctx.progress('start', 'hello-world');
					return {};
				}),
			},
			'checklist',
			secrets,
		);
		expect((await make().drive()).exitCode).toBe(0);
		expect(events.find(event => event.type === 'notice')).toMatchObject({
			step: 'verify',
			level: 'warn',
			message: 'the token *** leaked into a message',
		});
		expect(events.find(event => event.type === 'progress')).toMatchObject({step: 'verify', phase: 'start', activity: 'hello-world'});
	});

	it.each([
		[undefined, 'convox-ami resume r1'],
		['convox-ami resume 20261207-105500-fleet-demo-wxyz', 'convox-ami resume 20261207-105500-fleet-demo-wxyz'],
	])('a lost rack lock stops the run before its next step; the hint resumes it (%s)', async (resumeCommand, resume) => {
		const ran: string[] = [];
		const {store, make} = await setup({
			account: step('account', async () => (ran.push('account'), {})),
			verify: step('verify', async () => (ran.push('verify'), {})),
		});
		let asked = 0;
		const lockLost = async () => (++asked > 1 ? 'The lock of convox-dev was released by hand.' : undefined);
		const outcome = await make(undefined, undefined, {lockLost, ...(resumeCommand ? {resumeCommand} : {})}).drive();
		expect(outcome.exitCode).toBe(1);
		expect(ran).toEqual(['account']);
		expect(outcome.hint).toContain(`Run \`${resume}\``);
		expect((await store.load('r1')).steps.map(record => record.status)).toEqual(['done', 'pending']);
	});

	it('stops with "not available yet" at a step this version lacks', async () => {
		const {store, make} = await setup({account: step('account', async () => ({}))}, 'release');
		const outcome = await make().drive();
		expect(outcome.exitCode).toBe(1);
		expect(outcome.message).toMatch(/resolve-version step is not available yet/);
		expect((await store.load('r1')).steps[1]).toMatchObject({status: 'failed'});
	});

	it('maps errors to exit codes and resumes at the first unfinished step', async () => {
		let attempts = 0;
		const {store, make} = await setup({
			account: step('account', async () => ({})),
			verify: step('verify', async () => {
				attempts++;
				if (attempts === 1) throw new UsageError('bad input');
				if (attempts === 2) throw new WaitingError('waiting on sumologic');
				return {};
			}),
		});
		expect((await make().drive()).exitCode).toBe(2);
		const second = await make(await store.load('r1'), {message: 'Resumed at verify.'}).drive();
		expect(second.exitCode).toBe(3);
		expect((await store.load('r1')).steps[1]?.status).toBe('waiting');
		const third = await make(await store.load('r1'), {message: 'Resumed at verify.'}).drive();
		expect(third.exitCode).toBe(0);
		const saved = await store.load('r1');
		expect(saved.steps[0]?.attempts).toBe(1);
		expect(saved.steps[1]?.attempts).toBe(3);
		expect(saved.history.filter(entry => entry.message === 'Resumed at verify.')).toHaveLength(2);
	});

	it('ends interrupted (130) when Ctrl-C aborts a step', async () => {
		const {store, interrupts, make} = await setup({
			account: step(
				'account',
				ctx =>
					new Promise((_resolve, reject) => {
						ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
						setTimeout(() => interrupts.trigger(), 10);
					}),
			),
		});
		const outcome = await make().drive();
		expect(outcome.exitCode).toBe(130);
		expect((await store.load('r1')).status).toBe('interrupted');
	});

	it('lets a step intercept Ctrl-C instead of aborting', async () => {
		const {interrupts, make} = await setup({
			account: step('account', async ctx => {
				let asked = 0;
				const release = ctx.interceptInterrupt(() => asked++);
				interrupts.trigger();
				release();
				return {asked, aborted: ctx.signal.aborted};
			}),
			verify: step('verify', async () => ({})),
		});
		const outcome = await make().drive();
		expect(outcome.run.steps[0]?.outputs).toEqual({asked: 1, aborted: false});
	});

	it('masks secrets in what events say before the journal or a renderer sees them', async () => {
		const {store, events, make} = await setup(
			{
				account: step('account', async ctx => {
					ctx.emit({type: 'check', id: 'custom', kind: 'auto', status: 'fail', detail: 'curl said: token=s3cr3t-token rejected'});
					return {echoed: 'token s3cr3t-token'};
				}),
				verify: step('verify', async () => {
					throw new Error('failed with s3cr3t-token');
				}),
			},
			'checklist',
			createRunSecrets({LOGSPOUT_TOKEN: 's3cr3t-token'}),
		);
		const outcome = await make().drive();
		expect(outcome.message).toBe('failed with ***');
		const journal = JSON.stringify(await store.load('r1'));
		expect(journal).not.toContain('s3cr3t');
		expect(journal).toContain('token=*** rejected');
		expect(JSON.stringify(events)).not.toContain('s3cr3t');
	});

	it('masks a secret typed at a prompt in every event after it, and hands the checks the typed value', async () => {
		const typed = new Map<string, string>();
		const secrets = createRunSecrets({}, typed);
		const {store, events, make} = await setup(
			{
				account: step('account', async ctx => {
					const token = await ctx.secrets.obtain('SUMOLOGIC_ACCESS_KEY', typingPrompter('typed-key-9f8e7d'));
					ctx.emit({type: 'notice', level: 'info', message: `the probe was handed ${token}`});
					return {known: ctx.secrets.get('SUMOLOGIC_ACCESS_KEY') === token};
				}),
			},
			'checklist',
			secrets,
		);
		const outcome = await make().drive();
		expect(outcome.run.steps[0]?.outputs).toEqual({known: true});
		expect(typed.get('SUMOLOGIC_ACCESS_KEY')).toBe('typed-key-9f8e7d');
		expect(JSON.stringify(events)).toContain('the probe was handed ***');
		expect(JSON.stringify(await store.load('r1'))).not.toContain('typed-key');
		expect(JSON.stringify(events)).not.toContain('typed-key');
	});
});
