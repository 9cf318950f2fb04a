import {InterruptedError} from '../core/errors';
import type {Prompter} from '../core/prompter';

/**
 * One place where every Ctrl-C lands (SIGINT in cooked mode, a keypress in Ink's raw mode, an
 * enquirer prompt cancelled). A step that wants to ask first registers a handler; otherwise the
 * run's AbortController is aborted, and a second Ctrl-C calls `onForce`.
 */
export class InterruptRouter {
	readonly controller = new AbortController();
	private readonly handlers: Array<() => void> = [];
	private presses = 0;

	constructor(private readonly onForce: () => void) {}

	get signal(): AbortSignal {
		return this.controller.signal;
	}

	intercept(handler: () => void): () => void {
		this.handlers.push(handler);
		return () => {
			const index = this.handlers.lastIndexOf(handler);
			if (index !== -1) this.handlers.splice(index, 1);
		};
	}

	trigger(): void {
		const handler = this.handlers.at(-1);
		if (handler) {
			handler();
			return;
		}
		this.presses++;
		if (this.presses === 1) this.controller.abort(new Error('Interrupted by Ctrl-C'));
		else this.onForce();
	}
}

/**
 * A prompter that stops asking once the run is interrupted: a question asked after Ctrl-C, or
 * still open when it comes, ends with InterruptedError instead of waiting for an answer.
 */
export function promptsUntilInterrupted(prompter: Prompter, signal: AbortSignal): Prompter {
	function guard<A, R>(ask: (question: A) => Promise<R>): (question: A) => Promise<R> {
		return question => {
			if (signal.aborted) return Promise.reject(new InterruptedError('Interrupted at a prompt.'));
			return new Promise<R>((resolve, reject) => {
				const onAbort = () => reject(new InterruptedError('Interrupted at a prompt.'));
				signal.addEventListener('abort', onAbort, {once: true});
				ask(question)
					.then(resolve, reject)
					.finally(() => signal.removeEventListener('abort', onAbort));
			});
		};
	}
	return {
		interactive: prompter.interactive,
		select: guard(question => prompter.select(question)) as Prompter['select'],
		confirm: guard(question => prompter.confirm(question)),
		text: guard(question => prompter.text(question)),
		secret: guard(question => prompter.secret(question)),
	};
}
