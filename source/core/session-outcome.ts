import type {ExitCode} from './errors';

/** How a session ended: its exit code, and the last word the front end shows (message, hint, journal and report paths). */
export interface SessionOutcome {
	exitCode: ExitCode;
	message?: string;
	hint?: string;
	journal?: string;
	report?: string;
}
