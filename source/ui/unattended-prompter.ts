import {MissingInputError} from '../core/errors';
import type {Prompter} from '../core/prompter';

/**
 * For runs nobody can answer: confirmations are taken as given under --yes, and every other
 * question ends the run with exit 2 naming the flag or variable that answers it.
 */
export function createUnattendedPrompter({yes}: {yes: boolean}): Prompter {
	return {
		interactive: false,
		async select({message, remedy}) {
			throw new MissingInputError(`"${message}"`, remedy);
		},
		async confirm({message, remedy}) {
			if (yes) return true;
			throw new MissingInputError(`"${message}"`, `--yes or ${remedy}`);
		},
		async text({message, remedy}) {
			throw new MissingInputError(`"${message}"`, remedy);
		},
		async secret({message, remedy}) {
			throw new MissingInputError(`"${message}"`, remedy);
		},
	};
}
