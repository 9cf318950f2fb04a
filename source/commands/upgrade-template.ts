import {existsSync} from 'node:fs';
import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {loadConfig} from '../config/load-config';
import {metricsOf} from '../config/observability';
import {EXIT, MissingInputError, UsageError, type ExitCode} from '../core/errors';
import {bundledTemplatePath, lineDiff, readTemplate} from '../services/packer-template';
import {isHcl2Path, readHcl2Template} from '../services/packer-template-hcl2';
import {inspectTemplate, type TemplateInspection} from '../services/packer-template-inspection';
import {upgradedPath, upgradeToHcl2} from '../services/packer/hcl2-upgrade';
import {templateFindings} from '../steps/template-findings';
import {detectOutputMode} from '../ui/output-mode';
import {createEnquirerPrompter} from '../ui/plain/enquirer-prompter';
import type {CommandInput} from './cli-options';

const ACTIONS = ['upgrade'];

const say = (line = '') => process.stdout.write(`${line}\n`);
const list = (names: readonly string[]) => names.join(', ') || '(none)';

/** What convox-ami's inspection finds in the upgraded template, beside what it found in the JSON one. */
function sayInspection(json: TemplateInspection, hcl2: TemplateInspection, backend: ReturnType<typeof metricsOf>['backend']): void {
	const findings = templateFindings(hcl2, backend);
	const before = new Set(json.variables.map(variable => variable.name));
	const after = new Set(findings.declaredVariables);
	const lost = [...before].filter(name => !after.has(name));
	const gained = [...after].filter(name => !before.has(name));
	say('Checked with the inspection a release runs:');
	say(
		`  variables: ${list(findings.declaredVariables.toSorted())}${lost.length + gained.length === 0 ? ' (as in the JSON template)' : ''}`,
	);
	if (lost.length > 0) say(`  ! missing from the HCL2 template: ${list(lost)}`);
	if (gained.length > 0) say(`  ! not in the JSON template: ${list(gained)}`);
	say(`  required (no default): ${list(hcl2.variables.filter(variable => variable.required).map(variable => variable.name))}`);
	say(`  secrets received by: ${list(findings.carriers.map(carrier => carrier.variable))}; sensitive: ${list(hcl2.sensitiveVariables)}`);
	for (const secret of findings.secretsNotReceived) say(`  ! no variable receives ${secret.variable} (${secret.envName})`);
	say(`  builds: ${list(findings.amiBuilders)}; ReleaseRun tag on every AMI: ${findings.releaseRunTag ? 'yes' : 'no'}`);
	for (const {builder, field} of findings.sharing) say(`  ! ${builder} shares the AMI with ${field}: a release refuses it`);
	if (hcl2.requiredPackerVersion) say(`  Packer: ${hcl2.requiredPackerVersion}`);
}

async function confirmWrite(input: CommandInput, target: string): Promise<void> {
	if (input.flags.yes) return;
	const question = `Write ${target}?`;
	if (!detectOutputMode({json: input.flags.json, yes: false}, process.env).canPrompt) throw new MissingInputError(`"${question}"`, '--yes');
	const agreed = await createEnquirerPrompter(() => {}).confirm({message: question, remedy: '--yes', defaultValue: true});
	if (!agreed) throw new UsageError(`${target} was not written.`, 'Run `convox-ami template upgrade` again when you want it.');
}

/**
 * `convox-ami template upgrade`: the config's JSON template through `packer hcl2_upgrade` on a
 * copy, shown whole with what the release's inspection finds in it, then written beside the JSON
 * template once confirmed. An existing file is never overwritten.
 */
export async function upgradeTemplate(input: CommandInput): Promise<ExitCode> {
	const [action, ...rest] = input.args;
	if (!action || !ACTIONS.includes(action) || rest.length > 0)
		throw new UsageError(`convox-ami template takes one action: ${ACTIONS.join(', ')}.`, 'Run `convox-ami template upgrade`.');
	const loaded = await loadConfig(input.configPath);
	const {env} = input.flags;
	const account = env === undefined ? undefined : loaded.config.accounts[env];
	if (env !== undefined && !account)
		throw new UsageError(
			`--env ${env}: the config ${loaded.path} has no such account.`,
			`Use one of ${Object.keys(loaded.config.accounts).join(', ')}.`,
		);
	const source = loaded.config.template ? path.resolve(loaded.dir, loaded.config.template) : bundledTemplatePath();
	if (isHcl2Path(source)) throw new UsageError(`${source} is an HCL2 template already: there is nothing to upgrade.`);
	const target = upgradedPath(source);
	const refuseExisting = () =>
		new UsageError(
			`${target} exists already, and convox-ami never overwrites it.`,
			'Move it away (or compare it yourself), then run again.',
		);
	if (existsSync(target)) throw refuseExisting();
	const json = await readTemplate(source).catch((error: Error) => {
		throw new UsageError(`The template of the config cannot be read: ${error.message}`, `Fix "template" in ${loaded.path}.`);
	});
	const packer = loaded.config.binaries.packer ?? 'packer';
	const upgrade = await upgradeToHcl2(packer, source, process.env, new AbortController().signal).catch((error: Error) => {
		throw new UsageError(error.message, 'Packer 1.6.2 and later have hcl2_upgrade; name another with "binaries.packer" in the config.');
	});
	try {
		say(`Template: ${source} (JSON)`);
		say(`${packer} hcl2_upgrade on a copy, to be written as ${target}:`);
		for (const line of upgrade.output.split('\n').filter(line => line.trim() !== '')) say(`  ${line}`);
		for (const line of lineDiff('', upgrade.text, target)) say(line);
		sayInspection(inspectTemplate(json), (await readHcl2Template(upgrade.file)).inspection, metricsOf(account ?? {}).backend);
		for (const reason of upgrade.unconverted)
			say(
				`  ! Packer left a block unconverted (${reason}): it still holds JSON template calls; convert it by hand (the "# could not parse template" note marks it).`,
			);
	} finally {
		await upgrade.remove();
	}
	if (input.flags.dryRun) {
		say(`Dry run: ${target} is not written.`);
		return EXIT.ok;
	}
	await confirmWrite(input, target);
	try {
		await writeFile(target, upgrade.text, {flag: 'wx'});
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw refuseExisting();
		throw error;
	}
	say(
		`Wrote ${target}. The JSON template is left as it is: point "template" in the config at the new file once you have read it, and commit it.`,
	);
	return EXIT.ok;
}
