import {existsSync} from 'node:fs';
import {writeFile} from 'node:fs/promises';
import type {LoadedConfig} from '../config/load-config';
import {metricsOf} from '../config/observability';
import {EXIT, InterruptedError, UsageError, errorText, type ExitCode} from '../core/errors';
import {configuredTemplatePath, lineDiff, readTemplate} from '../services/packer-template';
import {isHcl2Path, readHcl2Template} from '../services/packer-template-hcl2';
import {inspectTemplate, type TemplateInspection} from '../services/packer-template-inspection';
import {upgradedPath, upgradeToHcl2} from '../services/packer/hcl2-upgrade';
import {templateFindings} from './template-findings';

export interface TemplateUpgradeRequest {
	loaded: LoadedConfig;
	/** `--env`: the account whose metrics backend the inspection checks the template against. */
	accountName?: string;
	dryRun: boolean;
	environment: NodeJS.ProcessEnv;
	/** Ctrl-C: Packer is stopped, its temporary copy removed, nothing written. */
	signal: AbortSignal;
	say(line: string): void;
	/** Resolves once the operator agrees to write `target`; throws otherwise. */
	confirmWrite(target: string): Promise<void>;
}

const list = (names: readonly string[]) => names.join(', ') || '(none)';

/** What convox-ami's inspection finds in the upgraded template, beside what it found in the JSON one. */
function inspectionLines(json: TemplateInspection, hcl2: TemplateInspection, backend: ReturnType<typeof metricsOf>['backend']): string[] {
	const findings = templateFindings(hcl2, backend);
	const before = new Set(json.variables.map(variable => variable.name));
	const after = new Set(findings.declaredVariables);
	const lost = [...before].filter(name => !after.has(name));
	const gained = [...after].filter(name => !before.has(name));
	return [
		'Checked with the inspection a release runs:',
		`  variables: ${list(findings.declaredVariables.toSorted())}${lost.length + gained.length === 0 ? ' (as in the JSON template)' : ''}`,
		...(lost.length > 0 ? [`  ! missing from the HCL2 template: ${list(lost)}`] : []),
		...(gained.length > 0 ? [`  ! not in the JSON template: ${list(gained)}`] : []),
		`  required (no default): ${list(hcl2.variables.filter(variable => variable.required).map(variable => variable.name))}`,
		`  secrets received by: ${list(findings.carriers.map(carrier => carrier.variable))}; sensitive: ${list(hcl2.sensitiveVariables)}`,
		...findings.secretsNotReceived.map(secret => `  ! no variable receives ${secret.variable} (${secret.envName})`),
		`  builds: ${list(findings.amiBuilders)}; ReleaseRun tag on every AMI: ${findings.releaseRunTag ? 'yes' : 'no'}`,
		...findings.sharing.map(({builder, field}) => `  ! ${builder} shares the AMI with ${field}: a release refuses it`),
		...(hcl2.requiredPackerVersion ? [`  Packer: ${hcl2.requiredPackerVersion}`] : []),
	];
}

/**
 * The config's JSON template through `packer hcl2_upgrade` on a copy, shown whole with what the
 * release's inspection finds in it, then written beside the JSON template once confirmed. An
 * existing file is never overwritten.
 */
export async function upgradeConfigTemplate(request: TemplateUpgradeRequest): Promise<ExitCode> {
	const {loaded, accountName, say} = request;
	const account = accountName === undefined ? undefined : loaded.config.accounts[accountName];
	if (accountName !== undefined && !account)
		throw new UsageError(
			`--env ${accountName}: the config ${loaded.path} has no such account.`,
			`Use one of ${Object.keys(loaded.config.accounts).join(', ')}.`,
		);
	const source = configuredTemplatePath(loaded.config.template, loaded.dir);
	if (isHcl2Path(source)) throw new UsageError(`${source} is an HCL2 template already: there is nothing to upgrade.`);
	const target = upgradedPath(source);
	const refuseExisting = () =>
		new UsageError(
			`${target} exists already, and convox-ami never overwrites it.`,
			'Move it away (or compare it yourself), then run again.',
		);
	if (existsSync(target)) throw refuseExisting();
	const json = await readTemplate(source).catch((error: unknown) => {
		throw new UsageError(`The template of the config cannot be read: ${errorText(error)}`, `Fix "template" in ${loaded.path}.`);
	});
	const packer = loaded.config.binaries.packer ?? 'packer';
	const upgrade = await upgradeToHcl2(packer, source, request.environment, request.signal).catch((error: unknown) => {
		if (request.signal.aborted)
			throw new InterruptedError(`Interrupted: \`${packer} hcl2_upgrade\` was stopped and ${target} was not written.`);
		throw new UsageError(errorText(error), 'Packer 1.6.2 and later have hcl2_upgrade; name another with "binaries.packer" in the config.');
	});
	try {
		say(`Template: ${source} (JSON)`);
		say(`${packer} hcl2_upgrade on a copy, to be written as ${target}:`);
		for (const line of upgrade.output.split('\n').filter(line => line.trim() !== '')) say(`  ${line}`);
		for (const line of lineDiff('', upgrade.text, target)) say(line);
		const hcl2 = (await readHcl2Template(upgrade.file)).inspection;
		for (const line of inspectionLines(inspectTemplate(json), hcl2, metricsOf(account ?? {}).backend)) say(line);
		for (const reason of upgrade.unconverted)
			say(
				`  ! Packer left a block unconverted (${reason}): it still holds JSON template calls; convert it by hand (the "# could not parse template" note marks it).`,
			);
	} finally {
		await upgrade.remove();
	}
	if (request.dryRun) {
		say(`Dry run: ${target} is not written.`);
		return EXIT.ok;
	}
	const stopIfInterrupted = () => {
		if (request.signal.aborted) throw new InterruptedError(`Interrupted: ${target} was not written.`);
	};
	stopIfInterrupted();
	await request.confirmWrite(target);
	stopIfInterrupted();
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
