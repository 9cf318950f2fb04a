import {MissingInputError} from '../../source/core/errors';
import type {Prompter} from '../../source/core/prompter';

export interface Asked {
	kind: 'select' | 'text' | 'confirm' | 'secret';
	message: string;
	remedy: string;
}

/**
 * A prompter that answers from a script, in order, and records every question. When it is not
 * interactive it behaves as the real one does where nobody can answer: it throws MissingInputError.
 */
export class ScriptedPrompter implements Prompter {
	readonly asked: Asked[] = [];
	/** Most questions open at the same moment. */
	maxOpen = 0;
	private open = 0;

	constructor(
		private readonly answers: string[],
		readonly interactive = true,
		private readonly delayMs = 5,
	) {}

	private async answer(kind: Asked['kind'], message: string, remedy: string): Promise<string> {
		this.asked.push({kind, message, remedy});
		if (!this.interactive) throw new MissingInputError(message, remedy);
		this.open++;
		this.maxOpen = Math.max(this.maxOpen, this.open);
		await new Promise(resolve => setTimeout(resolve, this.delayMs));
		this.open--;
		const next = this.answers.shift();
		if (next === undefined) throw new Error(`no scripted answer for: ${message}`);
		return next;
	}

	select<T extends string>(question: {message: string; remedy: string}): Promise<T> {
		return this.answer('select', question.message, question.remedy) as Promise<T>;
	}

	async confirm(question: {message: string; remedy: string}): Promise<boolean> {
		return (await this.answer('confirm', question.message, question.remedy)) === 'yes';
	}

	async text(question: {message: string; remedy: string; validate?: (value: string) => string | undefined}): Promise<string> {
		const value = await this.answer('text', question.message, question.remedy);
		const problem = question.validate?.(value);
		if (problem) throw new Error(`scripted answer ${JSON.stringify(value)} refused: ${problem}`);
		return value;
	}

	secret(question: {message: string; remedy: string}): Promise<string> {
		return this.answer('secret', question.message, question.remedy);
	}
}
