import {InterruptedError} from '../../core/errors';
import type {Prompter} from '../../core/prompter';

type Question = Record<string, unknown> & {type: string; message: string};

const NOTHING_CHOSEN = '__nothing-chosen';

interface OpenPrompt {
	cancel(): Promise<void>;
}

export interface EnquirerPrompter extends Prompter {
	/** The run was interrupted: the open prompt closes (releasing stdin) and no new one opens. */
	interrupted(): void;
}

/** Prompts on a terminal when Ink is not mounted (plain or --json output); drawn on stderr. */
export function createEnquirerPrompter(onInterrupt: () => void): EnquirerPrompter {
	let stopped = false;
	let open: OpenPrompt | undefined;
	async function ask<T>(question: Question): Promise<T> {
		const {default: Enquirer} = await import('enquirer');
		// Ctrl-C may have come while enquirer loaded: a prompt opened now would hold stdin in raw mode.
		if (stopped) throw new InterruptedError('Interrupted at a prompt.');
		process.stdin.ref();
		const enquirer = new Enquirer();
		enquirer.on('prompt', (prompt: OpenPrompt) => (open = prompt));
		try {
			const answers = (await enquirer.prompt({...question, name: 'answer', stdout: process.stderr} as never)) as {answer: T};
			return answers.answer;
		} catch (error) {
			// enquirer rejects Ctrl-C with an empty string, not an Error.
			if (error === '' || error === undefined) {
				if (!stopped) onInterrupt();
				throw new InterruptedError('Interrupted at a prompt.');
			}
			throw error;
		} finally {
			open = undefined;
		}
	}
	return {
		interactive: true,
		interrupted() {
			stopped = true;
			void open?.cancel();
		},
		async select({message, choices, noDefault}) {
			const listed = choices.map(choice => ({name: choice.value, message: choice.label, hint: choice.hint}));
			const picked = await ask<string>({
				type: 'select',
				message,
				// enquirer always highlights a choice: the first is one that answers nothing.
				choices: noDefault ? [{name: NOTHING_CHOSEN, message: '(nothing chosen)', hint: 'choose with ↑↓'}, ...listed] : listed,
				validate: (value: string) => (value === NOTHING_CHOSEN ? 'Nothing is chosen yet: choose with ↑↓, then Enter.' : true),
			});
			return picked as (typeof choices)[number]['value'];
		},
		confirm: ({message, defaultValue}) => ask<boolean>({type: 'confirm', message, initial: defaultValue ?? true}),
		text: ({message, placeholder, defaultValue, validate}) =>
			ask<string>({
				type: 'input',
				message,
				...((defaultValue ?? placeholder) ? {initial: defaultValue ?? placeholder} : {}),
				validate: (value: string) => validate?.(value) ?? true,
			}),
		secret: ({message}) => ask<string>({type: 'password', message}),
	};
}
