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
