import type {startRehearsal as start} from '../rehearsal/rehearsal';

/** The rehearsal's stand-ins, loaded only when a command rehearses. */
export const startRehearsal: typeof start = async (stateDir, options) =>
	(await import('../rehearsal/rehearsal')).startRehearsal(stateDir, options);
