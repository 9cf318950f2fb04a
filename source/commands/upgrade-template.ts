import {loadConfig} from '../config/load-config';
import {MissingInputError, UsageError, type ExitCode} from '../core/errors';
import {upgradeConfigTemplate} from '../steps/template-upgrade';
import {detectOutputMode} from '../ui/output-mode';
import {createEnquirerPrompter} from '../ui/plain/enquirer-prompter';
import type {CommandInput} from '../core/command-input';
import {processConsole} from './console';

const ACTIONS = ['upgrade'];

/** `convox-ami template upgrade`: the config's JSON template as HCL2, shown and inspected, written beside it once confirmed. */
export async function upgradeTemplate(input: CommandInput): Promise<ExitCode> {
	const [action, ...rest] = input.args;
	if (!action || !ACTIONS.includes(action) || rest.length > 0)
		throw new UsageError(`convox-ami template takes one action: ${ACTIONS.join(', ')}.`, 'Run `convox-ami template upgrade`.');
	const {flags} = input;
	const interrupted = new AbortController();
	const abort = () => interrupted.abort();
	// `on`, not `once`: execa's signal-exit re-raises a signal that no other listener is left to hear.
	process.on('SIGINT', abort).on('SIGTERM', abort);
	try {
		return await upgradeConfigTemplate({
			loaded: await loadConfig(input.configPath),
			...(flags.env === undefined ? {} : {accountName: flags.env}),
			dryRun: flags.dryRun,
			environment: process.env,
			signal: interrupted.signal,
			say: line => processConsole.print(`${line}\n`),
			async confirmWrite(target) {
				if (flags.yes) return;
				const question = `Write ${target}?`;
				if (!detectOutputMode({json: flags.json, yes: false}, process.env).canPrompt) throw new MissingInputError(`"${question}"`, '--yes');
				const agreed = await createEnquirerPrompter(() => {}).confirm({message: question, remedy: '--yes', defaultValue: true});
				if (!agreed) throw new UsageError(`${target} was not written.`, 'Run `convox-ami template upgrade` again when you want it.');
			},
		});
	} finally {
		process.off('SIGINT', abort).off('SIGTERM', abort);
	}
}
