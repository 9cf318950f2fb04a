import {describe, expect, it} from 'vitest';
import {InterruptRouter, promptsUntilInterrupted} from '../../source/workflow/interrupts';
import type {Prompter} from '../../source/core/prompter';

const never = () => new Promise<never>(() => undefined);
const waitingPrompter: Prompter = {interactive: true, select: never, confirm: never, text: never, secret: never};

describe('interrupts', () => {
	it('aborts on the first Ctrl-C and forces on the second', () => {
		let forced = 0;
		const router = new InterruptRouter(() => forced++);
		router.trigger();
		expect(router.signal.aborted).toBe(true);
		expect(forced).toBe(0);
		router.trigger();
		expect(forced).toBe(1);
	});

	it('hands Ctrl-C to the innermost interceptor until it lets go', () => {
		const router = new InterruptRouter(() => undefined);
		const calls: string[] = [];
		const outer = router.intercept(() => calls.push('outer'));
		const inner = router.intercept(() => calls.push('inner'));
		router.trigger();
		inner();
		router.trigger();
		outer();
		expect(calls).toEqual(['inner', 'outer']);
		expect(router.signal.aborted).toBe(false);
	});

	it('ends open questions and refuses new ones once the run is interrupted', async () => {
		const router = new InterruptRouter(() => undefined);
		const prompt = promptsUntilInterrupted(waitingPrompter, router.signal);
		const open = prompt.secret({message: 'LIBRATO_TOKEN', remedy: 'LIBRATO_TOKEN'});
		router.trigger();
		await expect(open).rejects.toMatchObject({exitCode: 130});
		await expect(prompt.confirm({message: 'Go on?', remedy: '--yes'})).rejects.toMatchObject({exitCode: 130});
	});
});
