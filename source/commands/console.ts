import type {CommandConsole} from '../core/command-input';

/** The process's streams as a command's console. */
export const processConsole: CommandConsole = {
	print: text => process.stdout.write(text),
	warn: line => process.stderr.write(`${line}\n`),
};
