import {loadConfig} from '../config/load-config';
import {EXIT, type ExitCode} from '../core/errors';
import {planFactsReader} from '../steps/plan-facts';
import {stepRegistry} from '../steps/registry';
import {procedureDocument, procedureSection} from '../workflow/release-procedure';
import type {CommandInput} from '../core/command-input';

/** `convox-ami plan`: the procedure a run would follow, as Markdown, for review before a release. */
export async function printPlan(input: CommandInput): Promise<ExitCode> {
	const {flags} = input;
	const loaded = await loadConfig(input.configPath);
	const {accounts} = loaded.config;
	// Without --env, every account: production ones last.
	const names = flags.env
		? [flags.env]
		: Object.keys(accounts).sort((a, b) => Number(accounts[a]!.production) - Number(accounts[b]!.production));
	const factsOf = planFactsReader({
		loaded,
		environment: process.env,
		...(flags.convoxVersion ? {convoxVersion: flags.convoxVersion} : {}),
		...(flags.region ? {region: flags.region} : {}),
	});
	const steps = await stepRegistry();
	const sections: string[] = [];
	for (const name of names) sections.push(procedureSection({...(await factsOf(name)), steps}));
	process.stdout.write(procedureDocument(names, sections));
	return EXIT.ok;
}
