import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import type {ManualItem} from '../../../source/checklist/item';
import {askManual} from '../../../source/checklist/prompts';
import {App} from '../../../source/ui/ink/App';
import {Frames} from '../../../source/ui/ink/frames';
import {RunStore} from '../../../source/ui/run-store';
import {PROMPT_READY, promptDrawn, promptReady} from '../../support/ink-prompt';

const tick = (ms = 30) => new Promise(resolve => setTimeout(resolve, ms));
const DOWN = '\u001B[B';
const ENTER = '\r';

const SUMOLOGIC: ManualItem = {
	id: 'sumologic',
	kind: 'manual',
	title: 'Logs reach SumoLogic',
	required: true,
	question: 'Do the logs of hello-world show up in SumoLogic?',
};

function screen() {
	const store = new RunStore('', {}, 5);
	const frames = new Frames();
	const ink = render(<App store={store} frames={frames} onInterrupt={() => undefined} />);
	return {...ink, store, frames};
}

/** The answer of `question`, or 'open' while it has none. */
function watch<T>(question: Promise<T>): () => T | 'open' {
	let answer: T | 'open' = 'open';
	void question.then(value => (answer = value));
	return () => answer;
}

describe('an Ink prompt takes keys only once it is on the terminal', () => {
	it('ignores keys that come before the frame showing it is written, and those just after; takes them once it says so', async () => {
		const {store, frames, stdin, lastFrame, unmount} = screen();
		const answer = watch(
			store.prompter({yes: false}).select({
				message: 'Which account?',
				choices: [
					{value: 'dev', label: 'dev'},
					{value: 'prod', label: 'prod'},
				],
				remedy: '--env NAME',
			}),
		);
		await tick();
		// Mounted, and drawn by ink-testing-library, but not yet written to the terminal as far as the prompt knows.
		expect(lastFrame()).toContain('Which account?');
		expect(lastFrame()).not.toContain(PROMPT_READY);
		stdin.write(DOWN);
		await tick();
		stdin.write(ENTER);
		await tick();
		expect(answer()).toBe('open');
		// Written now: a key waiting in stdin at that moment is still not an answer.
		frames.onWrite();
		stdin.write(ENTER);
		await tick();
		expect(answer()).toBe('open');
		expect(lastFrame()).toMatch(/❯ dev/);

		await promptDrawn(frames, lastFrame);
		stdin.write(DOWN);
		await tick();
		stdin.write(ENTER);
		await tick();
		expect(answer()).toBe('prod');
		unmount();
	});

	it('counts a frame written in the very commit that mounts it (before its effects run), as Ink writes', async () => {
		const {store, frames, stdout, stdin, lastFrame, unmount} = screen();
		const write = stdout.write;
		stdout.write = (frame: string) => {
			write(frame);
			frames.onWrite();
		};
		const answer = watch(store.prompter({yes: false}).confirm({message: 'Go on?', remedy: '--yes', defaultValue: false}));
		await promptReady(lastFrame);
		stdin.write('y');
		await tick();
		expect(answer()).toBe(true);
		unmount();
	});
});

describe('the manual question of a check', () => {
	it('starts with no answer highlighted: Enter alone answers nothing and says how to choose', async () => {
		const {store, frames, stdin, lastFrame, unmount} = screen();
		const answer = watch(askManual(store.prompter({yes: false}), SUMOLOGIC));
		await tick();
		await promptDrawn(frames, lastFrame);
		expect(lastFrame()).toContain('Logs reach SumoLogic: Do the logs of hello-world show up in SumoLogic?');
		expect(lastFrame()).not.toContain('❯');
		stdin.write(ENTER);
		await tick();
		expect(answer()).toBe('open');
		expect(lastFrame()).toContain('Nothing is chosen yet: choose with ↑↓ or the first letter, then Enter.');
		stdin.write(ENTER);
		await tick();
		expect(answer()).toBe('open');

		stdin.write(DOWN);
		await tick();
		expect(lastFrame()).toMatch(/❯ Yes/);
		stdin.write(ENTER);
		await tick();
		expect(answer()).toBe('yes');
		unmount();
	});

	it('is answered by the first letter of a choice, then Enter', async () => {
		const {store, frames, stdin, lastFrame, unmount} = screen();
		const answer = watch(askManual(store.prompter({yes: false}), SUMOLOGIC));
		await tick();
		await promptDrawn(frames, lastFrame);
		stdin.write('n');
		await tick();
		expect(answer()).toBe('open');
		expect(lastFrame()).toMatch(/❯ No/);
		stdin.write(ENTER);
		await tick();
		expect(answer()).toBe('no');
		unmount();
	});
});
