import {loadConfig} from '../config/load-config';
import type {CommandInput} from '../core/command-input';
import {EXIT, type ExitCode} from '../core/errors';
import {planFactsReader} from '../steps/plan-facts';
import {stepRegistry} from '../steps/registry';
import {planDocument} from '../workflow/release-procedure';
import {processConsole} from './console';

/** `convox-ami plan`: the procedure a run would follow, as Markdown, for review before a release. */
export async function printPlan(input: CommandInput): Promise<ExitCode> {
	const {flags} = input;
	const loaded = await loadConfig(input.configPath);
	const factsOf = planFactsReader({
		loaded,
		environment: process.env,
		...(flags.convoxVersion ? {convoxVersion: flags.convoxVersion} : {}),
		...(flags.region ? {region: flags.region} : {}),
	});
	processConsole.print(await planDocument({accounts: loaded.config.accounts, only: flags.env, steps: await stepRegistry(), factsOf}));
	return EXIT.ok;
}
