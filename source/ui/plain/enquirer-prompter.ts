import {InterruptedError} from '../../workflow/errors';
import type {Prompter} from '../../workflow/step';

type Question = Record<string, unknown> & {type: string; message: string};

/** Prompts on a terminal when Ink is not mounted (plain or --json output); drawn on stderr. */
export function createEnquirerPrompter(onInterrupt: () => void): Prompter {
	async function ask<T>(question: Question): Promise<T> {
		const {default: Enquirer} = await import('enquirer');
		process.stdin.ref();
		try {
			const answers = (await Enquirer.prompt({...question, name: 'answer', stdout: process.stderr} as never)) as {answer: T};
			return answers.answer;
		} catch (error) {
			// enquirer rejects Ctrl-C with an empty string, not an Error.
			if (error === '' || error === undefined) {
				onInterrupt();
				throw new InterruptedError('Interrupted at a prompt.');
			}
			throw error;
		}
	}
	return {
		interactive: true,
		async select({message, choices}) {
			const picked = await ask<string>({type: 'select', message, choices: choices.map(choice => ({name: choice.value, message: choice.label, hint: choice.hint}))});
			return picked as (typeof choices)[number]['value'];
		},
		confirm: ({message, defaultValue}) => ask<boolean>({type: 'confirm', message, initial: defaultValue ?? true}),
		text: ({message, placeholder, defaultValue, validate}) =>
			ask<string>({type: 'input', message, ...((defaultValue ?? placeholder) ? {initial: defaultValue ?? placeholder} : {}), validate: (value: string) => validate?.(value) ?? true}),
		secret: ({message}) => ask<string>({type: 'password', message}),
	};
}
