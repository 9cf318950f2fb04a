export const EXIT = {ok: 0, failed: 1, usage: 2, waiting: 3, interrupted: 130} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the operator can act on: its message says what happened and what to do. */
export class OperatorError extends Error {
	constructor(
		message: string,
		readonly exitCode: ExitCode,
		readonly hint?: string,
	) {
		super(message);
		this.name = new.target.name;
	}
}

/** Bad usage, config or input: nothing was changed. Exit 2. */
export class UsageError extends OperatorError {
	constructor(message: string, hint?: string) {
		super(message, EXIT.usage, hint);
	}
}

/** A step failed; the journal records where and `resume` continues. Exit 1. */
export class StepFailedError extends OperatorError {
	constructor(message: string, hint?: string) {
		super(message, EXIT.failed, hint);
	}
}

/** The run waits on a manual confirmation. Exit 3. */
export class WaitingError extends OperatorError {
	constructor(message: string, hint?: string) {
		super(message, EXIT.waiting, hint);
	}
}

/** The operator interrupted the run; it stopped cleanly. Exit 130. */
export class InterruptedError extends OperatorError {
	constructor(message = 'Interrupted.', hint?: string) {
		super(message, EXIT.interrupted, hint);
	}
}

/** A prompt that nobody can answer (no terminal, CI, or --json without a terminal). */
export class MissingInputError extends UsageError {
	constructor(what: string, remedy: string) {
		super(`${what} needs an answer and no one can give it here.`, `Pass ${remedy}.`);
	}
}

/** An error's name (an AWS error's code, such as `AccessDenied`), whatever was thrown: '' when it has none. */
export function errorName(error: unknown): string {
	if (typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string') return error.name;
	return '';
}

/** What an error says, whatever was thrown: its message, or the thrown value as text. */
export function errorText(error: unknown): string {
	if (error instanceof Error) return error.message;
	if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message;
	return String(error);
}
