import {describe, expect, it} from 'vitest';
import {runChecklist, type CheckEvent, type ChecklistOptions} from '../../source/checklist/engine';
import type {AutoItem, ChecklistItem, ManualItem} from '../../source/checklist/item';
import type {ProbeOutcome} from '../../source/services/probes/outcome';
import {InterruptedError, MissingInputError} from '../../source/core/errors';
import type {CheckRecord} from '../../source/core/types';
import {ScriptedPrompter} from './scripted-prompter';

function auto(id: string, probe: AutoItem['probe'], required = true): AutoItem {
	return {id, title: `Check ${id}`, kind: 'auto', required, probe};
}

function manual(id: string, link?: string): ManualItem {
	return {id, title: `Ask ${id}`, kind: 'manual', required: true, question: `Is ${id} fine?`, link};
}

const passing = (detail: string) => async (): Promise<ProbeOutcome> => ({status: 'pass', detail});

function checklist(items: ChecklistItem[], prompt: ScriptedPrompter, options: Partial<ChecklistOptions> = {}) {
	const events: CheckEvent[] = [];
	const run = runChecklist({
		items,
		prompt,
		emit: event => events.push(event),
		yes: false,
		confirmed: [],
		previous: [],
		signal: new AbortController().signal,
		...options,
	});
	return {run, events};
}

const statuses = (events: CheckEvent[], id: string) => events.filter(event => event.id === id).map(event => event.status);

describe('runChecklist', () => {
	it('runs the automated items concurrently, with pending → running → pass events', async () => {
		let started = 0;
		let release!: () => void;
		const allStarted = new Promise<void>(resolve => (release = resolve));
		const gated = (id: string) =>
			auto(id, async () => {
				if (++started === 3) release();
				await allStarted;
				return {status: 'pass', detail: `${id} ok`};
			});
		const {run, events} = checklist([gated('a'), gated('b'), gated('c')], new ScriptedPrompter([]));
		const summary = await run;
		expect(summary.passed).toEqual(['a', 'b', 'c']);
		expect(statuses(events, 'b')).toEqual(['pending', 'running', 'pass']);
		const firstPass = events.findIndex(event => event.status === 'pass');
		expect(events.slice(0, firstPass).filter(event => event.status === 'running')).toHaveLength(3);
		expect(events.find(event => event.id === 'a' && event.status === 'pass')).toMatchObject({
			kind: 'auto',
			title: 'Check a',
			required: true,
			detail: 'a ok',
		});
	});

	it('on the stock AMI skips the items that need ours, with the reason, and runs the rest', async () => {
		let metricsProbed = false;
		const probe = async (): Promise<ProbeOutcome> => {
			metricsProbed = true;
			return {status: 'fail', detail: 'no data'};
		};
		const metrics: AutoItem = {...auto('metrics', probe), needsCustomAmi: {installs: 'collectd'}};
		const logs: ManualItem = {...manual('logs'), needsCustomAmi: {installs: 'logspout'}};
		const prompt = new ScriptedPrompter([]);
		const {run, events} = checklist([auto('rack', passing('rack ok')), metrics, logs], prompt, {
			yes: true,
			onStockAmi: {because: 'rolled back to the stock AMI'},
		});
		const summary = await run;
		expect(summary).toMatchObject({passed: ['rack'], skipped: ['metrics', 'logs'], failed: [], waiting: []});
		expect(metricsProbed).toBe(false);
		expect(prompt.asked).toEqual([]);
		expect(statuses(events, 'metrics')).toEqual(['skipped']);
		expect(events.find(event => event.id === 'metrics')).toMatchObject({
			kind: 'auto',
			required: true,
			detail: 'the stock AMI ships no collectd: rolled back to the stock AMI',
		});
		expect(events.find(event => event.id === 'logs')).toMatchObject({
			kind: 'manual',
			status: 'skipped',
			detail: 'the stock AMI ships no logspout: rolled back to the stock AMI',
		});
		expect(summary.results.find(result => result.id === 'logs')).toMatchObject({status: 'skipped', reused: false});
	});

	it('runs the items that need our AMI when the rack is not on the stock AMI', async () => {
		const metrics: AutoItem = {...auto('metrics', passing('2 measurements')), needsCustomAmi: {installs: 'collectd'}};
		const {run, events} = checklist([metrics], new ScriptedPrompter([]));
		expect((await run).passed).toEqual(['metrics']);
		expect(statuses(events, 'metrics')).toEqual(['pending', 'running', 'pass']);
	});

	it('asks manual items one at a time while the automated ones run', async () => {
		let answered!: () => void;
		const firstAnswer = new Promise<void>(resolve => (answered = resolve));
		const prompt = new ScriptedPrompter(['yes', 'no', 'leave']);
		const slow = auto('slow', async () => {
			await firstAnswer;
			return {status: 'pass', detail: 'finished after the question'};
		});
		const events: CheckEvent[] = [];
		const {run} = checklist([slow, manual('one', 'https://example.com/one'), manual('two')], prompt, {
			emit: event => {
				events.push(event);
				if (event.id === 'one' && event.status === 'pass') answered();
			},
		});
		const summary = await run;
		expect(prompt.maxOpen).toBe(1);
		expect(prompt.asked.map(question => question.message)).toEqual([
			'Ask one: Is one fine?\nhttps://example.com/one',
			'Ask two: Is two fine?',
			'Ask two failed: the operator answered no',
		]);
		expect(prompt.asked[0]!.remedy).toBe('--confirm one');
		expect(summary).toMatchObject({passed: ['slow', 'one'], failed: ['two']});
		expect(statuses(events, 'one')).toEqual(['pending', 'running', 'pass']);
		expect(events.find(event => event.id === 'one' && event.status === 'pass')!.detail).toBe('confirmed by the operator');
	});

	it('under --yes runs the automated items, confirms only --confirm items and leaves the others waiting', async () => {
		const prompt = new ScriptedPrompter([]);
		const {run, events} = checklist([auto('rack', passing('running')), manual('sumologic'), manual('librato')], prompt, {
			yes: true,
			confirmed: ['librato'],
		});
		const summary = await run;
		expect(prompt.asked).toEqual([]);
		expect(summary).toMatchObject({passed: ['rack', 'librato'], waiting: ['sumologic'], failed: []});
		expect(events.find(event => event.id === 'sumologic' && event.status === 'waiting')!.detail).toBe(
			'waiting for confirmation (--confirm sumologic): Is sumologic fine?',
		);
		expect(events.find(event => event.id === 'librato' && event.status === 'pass')!.detail).toBe('confirmed with --confirm librato');
	});

	it('on a resumed run does not run again what passed or was skipped', async () => {
		let runs = 0;
		const counted = (id: string) =>
			auto(id, async () => {
				runs++;
				return {status: 'pass', detail: 'ok'};
			});
		const previous: CheckRecord[] = [
			{id: 'a', title: 'Check a', kind: 'auto', status: 'pass', detail: 'earlier pass', required: true, attempts: 1, notes: []},
			{id: 'b', title: 'Check b', kind: 'auto', status: 'fail', detail: 'earlier fail', required: true, attempts: 1, notes: []},
			{
				id: 'm',
				title: 'Ask m',
				kind: 'manual',
				status: 'skipped',
				detail: 'skipped',
				required: true,
				attempts: 1,
				notes: ['Skipped: no access'],
			},
			{id: 'w', title: 'Ask w', kind: 'manual', status: 'waiting', detail: 'waiting', required: true, attempts: 1, notes: []},
		];
		const {run, events} = checklist([counted('a'), counted('b'), manual('m'), manual('w')], new ScriptedPrompter([]), {
			yes: true,
			confirmed: ['w'],
			previous,
		});
		const summary = await run;
		expect(runs).toBe(1);
		expect(summary).toMatchObject({passed: ['a', 'b', 'w'], skipped: ['m']});
		expect(summary.results.filter(result => result.reused).map(result => result.id)).toEqual(['a', 'm']);
		expect(events.map(event => event.id)).not.toContain('a');
		expect(events.map(event => event.id)).not.toContain('m');
	});

	it('retries a failed item when asked to, until it passes', async () => {
		let attempt = 0;
		const flaky = auto('hello-world', async () =>
			++attempt === 1 ? {status: 'fail', detail: 'HTTP 503'} : {status: 'pass', detail: 'HTTP 200'},
		);
		const prompt = new ScriptedPrompter(['retry']);
		const {run, events} = checklist([flaky], prompt);
		const summary = await run;
		expect(summary.passed).toEqual(['hello-world']);
		expect(prompt.asked[0]!.message).toBe('Check hello-world failed: HTTP 503');
		expect(statuses(events, 'hello-world')).toEqual(['pending', 'running', 'fail', 'running', 'pass']);
	});

	it('skips a failed item with a reason, and records notes', async () => {
		const failing = auto('instances', async () => ({status: 'fail', detail: '2 of 3 on ami-new'}));
		const prompt = new ScriptedPrompter(['note', 'one instance is draining', 'skip', 'the old instance terminates in 5 minutes']);
		const {run, events} = checklist([failing], prompt);
		const summary = await run;
		expect(summary).toMatchObject({skipped: ['instances'], failed: []});
		expect(prompt.asked.map(question => question.kind)).toEqual(['select', 'text', 'select', 'text']);
		const notes = events.filter(event => event.note).map(event => [event.status, event.note]);
		expect(notes).toEqual([
			['fail', 'one instance is draining'],
			['skipped', 'Skipped: the old instance terminates in 5 minutes'],
		]);
		expect(events.at(-1)).toMatchObject({status: 'skipped', detail: '2 of 3 on ami-new'});
	});

	it('takes "skip" on a manual item with a reason', async () => {
		const prompt = new ScriptedPrompter(['skip', 'SumoLogic is down for maintenance']);
		const {run, events} = checklist([manual('sumologic')], prompt);
		const summary = await run;
		expect(summary.skipped).toEqual(['sumologic']);
		expect(prompt.asked[1]).toMatchObject({kind: 'text', message: 'Why skip Ask sumologic?'});
		expect(events.at(-1)).toMatchObject({status: 'skipped', note: 'Skipped: SumoLogic is down for maintenance'});
	});

	it('leaves failures failed under --yes without asking', async () => {
		const prompt = new ScriptedPrompter([]);
		const {run} = checklist([auto('rack', async () => ({status: 'fail', detail: 'stack UPDATE_ROLLBACK_COMPLETE'}))], prompt, {yes: true});
		expect((await run).failed).toEqual(['rack']);
		expect(prompt.asked).toEqual([]);
	});

	it('turns a probe that throws into a failure with its message', async () => {
		const {run, events} = checklist(
			[
				auto('instances', async () => {
					throw new Error('UnauthorizedOperation: not allowed to DescribeInstances');
				}),
			],
			new ScriptedPrompter([], true),
			{yes: true},
		);
		expect((await run).failed).toEqual(['instances']);
		expect(events.at(-1)!.detail).toBe('UnauthorizedOperation: not allowed to DescribeInstances');
	});

	it('where nobody can answer a manual item, names --confirm (exit 2) after the automated items settle', async () => {
		const prompt = new ScriptedPrompter([], false);
		const {run, events} = checklist([auto('rack', passing('running')), manual('sumologic')], prompt);
		await expect(run).rejects.toBeInstanceOf(MissingInputError);
		expect(prompt.asked[0]!.remedy).toBe('--confirm sumologic');
		expect(statuses(events, 'rack')).toEqual(['pending', 'running', 'pass']);
		expect(events.at(-1)).toMatchObject({id: 'sumologic', status: 'waiting'});
	});

	it('stops on Ctrl-C with InterruptedError', async () => {
		const controller = new AbortController();
		const hanging = auto(
			'hello-world',
			signal => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
		);
		const {run} = checklist([hanging], new ScriptedPrompter([]), {signal: controller.signal});
		setTimeout(() => controller.abort(), 20);
		await expect(run).rejects.toBeInstanceOf(InterruptedError);
	});
});
