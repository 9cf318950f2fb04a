export interface Choice<T extends string> {
	value: T;
	label: string;
	hint?: string;
}

/** A question the run will ask first, shown from the first frame on (the account of a guided release). */
export interface FirstQuestion {
	message: string;
	choices: Array<Choice<string>>;
}

/** Questions a fleet answers for its racks at once (one confirmation per wave). */
export type QuestionId = 'execute-change-set' | 'production-stack-name';

/**
 * How a step asks the operator something. Each question names `remedy`: the flag or variable
 * that answers it when nobody can (no terminal, CI, --json); then the prompter throws
 * MissingInputError (exit 2) instead of waiting.
 */
export interface Prompter {
	readonly interactive: boolean;
	/**
	 * With `noDefault` no choice is highlighted at first and Enter alone answers nothing: for a
	 * question whose first choice passes a check or starts a change, so a stray Enter cannot.
	 */
	select<T extends string>(question: {message: string; choices: Array<Choice<T>>; remedy: string; noDefault?: boolean}): Promise<T>;
	/** Under --yes a confirmation is taken as given without asking. */
	confirm(question: {message: string; remedy: string; defaultValue?: boolean; id?: QuestionId}): Promise<boolean>;
	/** `defaultValue` is typed in already (Enter accepts it). */
	text(question: {
		message: string;
		remedy: string;
		placeholder?: string;
		defaultValue?: string;
		validate?: (value: string) => string | undefined;
		id?: QuestionId;
	}): Promise<string>;
	secret(question: {message: string; remedy: string}): Promise<string>;
}
