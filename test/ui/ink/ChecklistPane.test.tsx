import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import {runChecklist, type CheckEvent} from '../../../source/checklist/engine';
import type {AutoItem, ChecklistItem, ManualItem} from '../../../source/checklist/item';
import {createRun} from '../../../source/workflow/plan';
import {reduceRun} from '../../../source/workflow/reducer';
import type {CheckRecord, Run, RunEvent} from '../../../source/core/types';
import {ChecklistPane} from '../../../source/ui/ink/ChecklistPane';
import {probeHttp} from '../../../source/services/probes/http';
import {ScriptedPrompter} from '../../checklist/scripted-prompter';
import {serve} from '../../support/loopback';

const auto = (id: string, title: string, probe: AutoItem['probe']): AutoItem => ({id, title, kind: 'auto', required: true, probe});
const sumologic: ManualItem = {
	id: 'sumologic',
	title: 'Logs reach SumoLogic',
	kind: 'manual',
	required: true,
	question: 'Do the logs show up?',
	link: 'https://service.sumologic.com/ui/#/search/abc',
};

/** Runs the real engine and folds its events into the run, as the runner does; `onEvent` sees the checks after each. */
async function drive(
	items: ChecklistItem[],
	prompt: ScriptedPrompter,
	options: {yes?: boolean; onEvent?: (checks: CheckRecord[], event: CheckEvent) => void} = {},
) {
	let run: Run = createRun({
		id: 'r',
		kind: 'checklist',
		account: 'dev',
		mode: 'live',
		production: false,
		options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
	});
	let second = 0;
	await runChecklist({
		items,
		prompt,
		yes: options.yes ?? false,
		confirmed: [],
		previous: [],
		signal: new AbortController().signal,
		emit: event => {
			run = reduceRun(run, {...event, runId: 'r', at: new Date(Date.UTC(2026, 10, 25, 1, 0, second++)).toISOString()} as RunEvent);
			options.onEvent?.(run.checks, event);
		},
	});
	return run.checks;
}

function frameOf(checks: CheckRecord[], now = Date.UTC(2026, 10, 25, 1, 1, 0)): string {
	const {lastFrame, unmount} = render(<ChecklistPane checks={checks} now={now} />);
	const frame = lastFrame() ?? '';
	unmount();
	return frame;
}

describe('ChecklistPane', () => {
	it('shows the automated items running side by side, then their evidence', async () => {
		let running = '';
		let release!: () => void;
		const gate = new Promise<void>(resolve => (release = resolve));
		const gated = (id: string, title: string, detail: string) =>
			auto(id, title, async () => {
				await gate;
				return {status: 'pass', detail};
			});
		const state = await drive(
			[
				gated('rack', 'Rack runs the released version', 'convox rack: convox-dev running 20160916121812'),
				gated('instances', 'Instances run the new AMI', '3 of 3 on ami-0a7f3c9e21d4b5e86'),
				gated('hello-world', 'hello-world answers', 'HTTP 200 in 84 ms'),
			],
			new ScriptedPrompter([]),
			{
				onEvent: (view, event) => {
					if (event.id === 'hello-world' && event.status === 'running') {
						running = frameOf(view);
						release();
					}
				},
			},
		);
		expect(running).toContain('3 checks: 0 passed, 3 running');
		expect(running.match(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /gm)).toHaveLength(3);
		const done = frameOf(state);
		expect(done).toContain('3 checks: 3 passed');
		expect(done).toMatch(/✔ Instances run the new AMI instances · \d\.\d s\n\s+3 of 3 on ami-0a7f3c9e21d4b5e86/);
		expect(done).toContain('convox rack: convox-dev running 20160916121812');
	});

	it('shows the hello-world evidence on one line as it reads: status, URL, time', async () => {
		const server = await serve((_request, response) => response.end('Hello, World!\n'));
		try {
			const url = `${server.url}/`;
			const state = await drive(
				[auto('hello-world', 'hello-world answers', signal => probeHttp(url, {}, {timeoutMs: 5000, signal}))],
				new ScriptedPrompter([]),
			);
			expect(frameOf(state)).toMatch(new RegExp(`^\\s+HTTP 200 from ${url.replaceAll('.', '\\.')} in \\d+ ms$`, 'm'));
		} finally {
			await server.close();
		}
	});

	it("shows each probe's progress while it runs: the instances that reported, the search job's state", async () => {
		const frames: string[] = [];
		const metrics = auto('metrics', 'Instances publish metrics', async (_signal, progress) => {
			progress('instances reported 3/4');
			return {status: 'pass', detail: '4 of 4 instances published to CWAgent since launch'};
		});
		const logs = auto('logs', 'Logs reach SumoLogic', async (_signal, progress) => {
			progress('search job GATHERING RESULTS, 0 messages');
			return {status: 'pass', detail: '1 log line with marker convox-ami-r-1 found by SumoLogic in 3.0 s'};
		});
		await drive([metrics, logs], new ScriptedPrompter([]), {
			onEvent: (view, event) => {
				if (event.status === 'running' && event.detail !== 'running') frames.push(frameOf(view));
			},
		});
		expect(frames.some(frame => /Instances publish metrics metrics[^]*instances reported 3\/4/.test(frame))).toBe(true);
		expect(frames.some(frame => /Logs reach SumoLogic logs[^]*search job GATHERING RESULTS, 0 messages/.test(frame))).toBe(true);
	});

	it('shows a manual question being asked with its link, and the answer', async () => {
		let asking = '';
		const state = await drive([sumologic], new ScriptedPrompter(['yes']), {
			onEvent: (view, event) => {
				if (event.status === 'running') asking = frameOf(view);
			},
		});
		expect(asking).toContain('? Logs reach SumoLogic sumologic · manual');
		expect(asking).toContain('asking: Do the logs show up? https://service.sumologic.com/ui/#/search/abc');
		const answered = frameOf(state);
		expect(answered).toContain('✔ Logs reach SumoLogic sumologic · manual');
		expect(answered).toContain('confirmed by the operator');
	});

	it('shows a retried item with its attempt, and a skipped one with the reason', async () => {
		let tries = 0;
		const flaky = auto('hello-world', 'hello-world answers', async () =>
			++tries === 1 ? {status: 'fail', detail: 'HTTP 503 (5 attempts in 300 s)'} : {status: 'pass', detail: 'HTTP 200 in 40 ms'},
		);
		const broken = auto('instances', 'Instances run the new AMI', async () => ({
			status: 'fail',
			detail: '2 of 3 on ami-new; i-2 on ami-old',
		}));
		let failed = '';
		const state = await drive([flaky, broken], new ScriptedPrompter(['retry', 'skip', 'i-2 is being replaced by the ASG']), {
			onEvent: (view, event) => {
				if (event.id === 'hello-world' && event.status === 'fail') failed = frameOf(view);
			},
		});
		expect(failed).toContain('✘ hello-world answers hello-world');
		expect(failed).toContain('HTTP 503 (5 attempts in 300 s)');
		const frame = frameOf(state);
		expect(frame).toContain('2 checks: 1 passed, 1 skipped');
		expect(frame).toMatch(/✔ hello-world answers hello-world · attempt 2 · /);
		expect(frame).toMatch(
			/↷ Instances run the new AMI instances · .*\n\s+2 of 3 on ami-new; i-2 on ami-old\n\s+note: Skipped: i-2 is being replaced by the ASG/,
		);
	});

	it('shows what waits for --confirm under --yes', async () => {
		const state = await drive([sumologic], new ScriptedPrompter([]), {yes: true});
		const frame = frameOf(state);
		expect(frame).toContain('1 checks: 0 passed, 1 waiting for confirmation');
		expect(frame).toContain('? Logs reach SumoLogic sumologic · manual');
		// Too long for the line: the wrap falls before the URL, never inside it.
		expect(frame).toMatch(
			/waiting for confirmation \(--confirm sumologic\): Do the logs show up\?\n\s+https:\/\/service\.sumologic\.com\/ui\/#\/search\/abc$/m,
		);
	});
});
