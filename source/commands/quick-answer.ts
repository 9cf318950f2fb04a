/** What commander printed at build time for `--version` and for each `[COMMAND] --help` ('' for the program's). */
export interface QuickAnswers {
	version: string;
	help: Readonly<Record<string, string>>;
}

const HELP_FLAGS = new Set(['--help', '-h']);
const VERSION_FLAGS = new Set(['--version', '-v']);

/** Whose help `words` ask for: '' for `--help`, `-h` and `help`, the command for `COMMAND --help` and `help COMMAND`. */
function helpAskedFor(words: readonly string[]): string | undefined {
	const [first, second] = words;
	if (words.length === 1) return HELP_FLAGS.has(first!) || first === 'help' ? '' : undefined;
	if (words.length !== 2) return undefined;
	const command = first === 'help' ? second! : HELP_FLAGS.has(second!) ? first! : '';
	return command || undefined;
}

/**
 * The answer to `--version` and to a plain request for help, without commander; undefined for any
 * other command line, and for help of a command the answers do not hold (commander answers those).
 * `answers` is read only for such a request.
 */
export function quickAnswer(words: readonly string[], answers: () => QuickAnswers | undefined): string | undefined {
	const version = words.length === 1 && VERSION_FLAGS.has(words[0]!);
	const command = version ? undefined : helpAskedFor(words);
	if (!version && command === undefined) return undefined;
	const known = answers();
	if (!known) return undefined;
	if (version) return known.version;
	return Object.hasOwn(known.help, command!) ? known.help[command!] : undefined;
}
