import {EXIT} from '../core/errors';
import {InterruptRouter} from '../workflow/interrupts';
import type {SessionSignals} from '../workflow/session-world';

export interface SignalWiring extends SessionSignals {
	/** What a Ctrl-C keypress in the screen's raw mode calls, as SIGINT would. */
	onSignal: () => void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * The one place a session's signals are handled (`template upgrade` aborts on its own): the first
 * interrupts the run cleanly, a second (nothing cleaned up any more) runs `beforeExit` and exits
 * with 130 at once.
 */
export function wireSignals(beforeExit: () => void): SignalWiring {
	const interrupts = new InterruptRouter(() => {
		beforeExit();
		process.stderr.write('\nStopped at once. The journal holds the last recorded state; `convox-ami resume` continues.\n');
		process.exit(EXIT.interrupted);
	});
	const onSignal = () => interrupts.trigger();
	for (const signal of SIGNALS) process.on(signal, onSignal);
	return {
		interrupts,
		onSignal,
		release: () => {
			for (const signal of SIGNALS) process.off(signal, onSignal);
		},
	};
}
