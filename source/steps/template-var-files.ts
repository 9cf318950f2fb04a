import path from 'node:path';
import {isHcl2Path} from '../services/packer-template-hcl2';
import type {TemplateInspection} from '../services/packer-template-inspection';
import {isHclVarFile, readVarFiles, valueTexts, type PackerVarFile} from '../services/packer/var-files';
import {varFilePaths} from '../config/var-files';
import {PACKER_VARIABLES} from '../core/packer-variables';
import {BUILD_SECRETS} from '../core/secrets';
import {UsageError, errorText} from '../core/errors';
import type {StepContext} from '../core/step';
import type {TemplateFindings} from './template-findings';

const SHOWN_VALUE_LENGTH = 60;

/** The config's var files for this account, read and parsed. */
export async function configuredVarFiles(ctx: StepContext): Promise<PackerVarFile[]> {
	const files = varFilePaths(ctx.config, ctx.account, ctx.configDir);
	try {
		return await readVarFiles(files);
	} catch (error) {
		throw new UsageError(
			`A var file of the config cannot be read: ${errorText(error)}`,
			`Fix "varFiles" in the config (relative paths resolve from ${ctx.configDir}) or the file, then run again.`,
		);
	}
}

function shown(value: unknown): string {
	const text = JSON.stringify(value);
	return text.length > SHOWN_VALUE_LENGTH ? `${text.slice(0, SHOWN_VALUE_LENGTH - 1)}…` : text;
}

/**
 * Each var file against the template: its format must be one Packer reads for the template, and
 * every variable it sets must be declared (Packer 1.6.6 ignores an undeclared one in a JSON
 * template, and HCL2 only warns). Its values are shown, a secret's masked and warned about: a
 * secret in a file is on disk, where convox-ami keeps none. Returns the secrets' names (the
 * build scrubs their values from Packer's output) and values (masked wherever the step shows the
 * files' lines).
 */
export function checkVarFiles(
	ctx: StepContext,
	templatePath: string,
	inspection: TemplateInspection,
	findings: TemplateFindings,
	varFiles: readonly PackerVarFile[],
): {names: string[]; values: string[]} {
	const declared = new Set(inspection.variables.map(variable => variable.name));
	const secrets = new Set([
		...inspection.sensitiveVariables,
		...findings.carriers.map(carrier => carrier.variable),
		...BUILD_SECRETS.map(secret => secret.variable),
	]);
	const passed: readonly string[] = PACKER_VARIABLES;
	const hidden = {names: [] as string[], values: [] as string[]};
	for (const varFile of varFiles) {
		if (isHclVarFile(varFile.path) && !isHcl2Path(templatePath))
			throw new UsageError(
				`${varFile.path} is an HCL var file, and ${templatePath} is a JSON template: Packer reads only JSON var files for a JSON template.`,
				`Write it as JSON (${path.basename(varFile.path, '.pkrvars.hcl')}.json: {"name": "value"}) or upgrade the template to HCL2 (convox-ami template upgrade).`,
			);
		const names = Object.keys(varFile.values);
		const undeclared = names.filter(name => !declared.has(name));
		if (undeclared.length > 0)
			throw new UsageError(
				`${varFile.path} sets ${undeclared.join(', ')}, which the template ${templatePath} does not declare.`,
				`Remove ${undeclared.length > 1 ? 'them' : 'it'} from the var file, or declare ${undeclared.length > 1 ? 'them' : 'it'} in the template; then run again.`,
			);
		const values = names.map(name => `${name} = ${secrets.has(name) ? '***' : shown(varFile.values[name])}`);
		ctx.notice('info', `Var file ${varFile.path}: ${values.join(', ') || '(empty)'}`);
		const secretNames = names.filter(name => secrets.has(name));
		hidden.names.push(...secretNames.filter(name => !hidden.names.includes(name)));
		hidden.values.push(...secretNames.flatMap(name => valueTexts(varFile.values[name])));
		if (secretNames.length > 0)
			ctx.notice(
				'warn',
				`${varFile.path} sets ${secretNames.join(', ')}, which ${secretNames.length > 1 ? 'are secrets' : 'is a secret'}: the value lies in a file, readable by anyone who can read it. convox-ami passes the build's secrets from the environment through a pipe, never a file; remove ${secretNames.length > 1 ? 'them' : 'it'} from the var file.`,
			);
		const overridden = names.filter(name => passed.includes(name) && name !== 'source_ami');
		if (overridden.length > 0)
			ctx.notice(
				'warn',
				`${varFile.path} sets ${overridden.join(', ')}, which convox-ami passes itself with -var after the var files: the var file's value is not used.`,
			);
	}
	return hidden;
}
