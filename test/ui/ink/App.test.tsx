import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import {App} from '../../../source/ui/ink/App';
import {Frames} from '../../../source/ui/ink/frames';
import {RunStore} from '../../../source/ui/run-store';
import {createRun} from '../../../source/workflow/plan';
import {reduceRun} from '../../../source/workflow/reducer';
import type {Run, RunEvent, RunEventInput} from '../../../source/core/types';
import {promptDrawn} from '../../support/ink-prompt';

const tick = (ms = 30) => new Promise(resolve => setTimeout(resolve, ms));

function feed(store: RunStore, run: Run, inputs: RunEventInput[]): Run {
	let current = run;
	for (const input of inputs) {
		const event = {...input, runId: run.id, at: new Date().toISOString()} as RunEvent;
		current = reduceRun(current, event);
		store.onEvent(event, current);
	}
	store.flush();
	return current;
}

const newRun = (production = false) =>
	createRun({
		id: 'r1',
		kind: 'release',
		account: production ? 'prod' : 'dev',
		mode: 'live',
		production,
		options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
	});

describe('Ink screen', () => {
	it('shows every step with its status, the current step notices and the badges', async () => {
		const store = new RunStore('release · prod', {}, 5);
		const run = newRun(true);
		store.attach('release · prod · us-east-1 · r1', ['PRODUCTION'], run);
		const {lastFrame, unmount} = render(<App store={store} frames={new Frames()} onInterrupt={() => undefined} />);
		feed(store, run, [
			{type: 'step', step: 'account', status: 'running'},
			{type: 'notice', step: 'account', level: 'info', message: 'Signed in as arn:aws:sts::222222222222:assumed-role/Admin/me'},
			{type: 'step', step: 'account', status: 'done'},
			{type: 'step', step: 'resolve-version', status: 'running'},
			{type: 'notice', step: 'resolve-version', level: 'warn', message: "Convox's own CLI would take 20160912193121"},
		]);
		await tick();
		const frame = lastFrame()!;
		expect(frame).toContain('PRODUCTION');
		expect(frame).toMatch(/✔ Account prod/);
		expect(frame).toContain('Signed in as arn:aws:sts::222222222222');
		expect(frame).toMatch(/Convox version/);
		expect(frame).toContain("! Convox's own CLI would take 20160912193121");
		expect(frame).toMatch(/· +Build AMI/);
		expect(frame).toContain('Ctrl-C stop');
		unmount();
	});

	it('asks the account with an Ink select and answers with Enter', async () => {
		const store = new RunStore('', {}, 5);
		const frames = new Frames();
		const {lastFrame, stdin, unmount} = render(<App store={store} frames={frames} onInterrupt={() => undefined} />);
		const answer = store.prompter({yes: false}).select({
			message: 'Which account?',
			choices: [
				{value: 'dev', label: 'dev', hint: '111111111111 · convox-dev'},
				{value: 'prod', label: 'prod', hint: '222222222222 · convox-prod · PRODUCTION'},
			],
			remedy: '--env NAME',
		});
		await tick();
		expect(lastFrame()).toContain('Which account?');
		expect(lastFrame()).toContain('222222222222 · convox-prod · PRODUCTION');
		await promptDrawn(frames, lastFrame);
		stdin.write('\u001B[B');
		await tick();
		stdin.write('\r');
		expect(await answer).toBe('prod');
		await tick();
		expect(lastFrame()).not.toContain('Which account?');
		unmount();
	});

	it('routes Ctrl-C to the interrupt handler and answers open questions with an interruption', async () => {
		const store = new RunStore('', {}, 5);
		let interrupts = 0;
		const {stdin, unmount} = render(<App store={store} frames={new Frames()} onInterrupt={() => interrupts++} />);
		const pending = store.prompter({yes: false}).confirm({message: 'Go on?', remedy: '--yes'});
		await tick();
		stdin.write('\u0003');
		await tick();
		expect(interrupts).toBe(1);
		store.cancelPrompts();
		await expect(pending).rejects.toMatchObject({exitCode: 130});
		unmount();
	});

	it('takes confirmations as given under --yes without showing them', async () => {
		const store = new RunStore('', {}, 5);
		expect(await store.prompter({yes: true}).confirm({message: 'Sure?', remedy: '--yes'})).toBe(true);
		expect(store.getState().prompt).toBeUndefined();
	});

	it('shows the outcome with the hint and the journal', async () => {
		const store = new RunStore('', {}, 5);
		const {lastFrame, unmount} = render(<App store={store} frames={new Frames()} onInterrupt={() => undefined} />);
		store.setOutcome({exitCode: 2, message: 'Wrong AWS account.', hint: 'Sign in to 111111111111.', journal: '/tmp/x.json'});
		await tick();
		expect(lastFrame()).toContain('Stopped: nothing was changed');
		expect(lastFrame()).toContain('Sign in to 111111111111.');
		expect(lastFrame()).toContain('Journal: /tmp/x.json');
		unmount();
	});

	it('draws nothing for an event that changes nothing it shows, and a frame a second while a step runs', async () => {
		const store = new RunStore('', {}, 5);
		let run = newRun();
		store.attach('release · dev · us-east-1 · r1', [], run);
		const {frames, lastFrame, unmount} = render(<App store={store} frames={new Frames()} onInterrupt={() => undefined} />);
		await tick();
		const idle = frames.length;
		run = feed(store, run, [{type: 'log', step: 'account', line: 'a line no pane shows'}]);
		await tick(100);
		expect(frames.length).toBe(idle);
		feed(store, run, [{type: 'step', step: 'account', status: 'running'}]);
		await tick(100);
		const running = frames.length;
		expect(running).toBeGreaterThan(idle);
		const spinner = lastFrame()!.match(/^([⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]) Account/m)?.[1];
		expect(spinner).toBeDefined();
		await tick(2300);
		// The spinner and the elapsed time move with the screen's one clock, once a second.
		expect(frames.length - running).toBeGreaterThanOrEqual(2);
		expect(frames.length - running).toBeLessThanOrEqual(3);
		expect(lastFrame()).not.toMatch(new RegExp(`^${spinner} Account`, 'm'));
		expect(lastFrame()).toMatch(/Account +2\.\d s/);
		unmount();
	});
});
