import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {runPackerCommand} from './version';

export interface Hcl2Upgrade {
	/** The HCL2 template Packer wrote, in a temporary folder of its own. */
	file: string;
	text: string;
	/** What Packer said (its notes on variables it could not resolve, …). */
	output: string;
	/** Why Packer left a block as it was (its `# could not parse template for following block` notes). */
	unconverted: string[];
	/** Removes the temporary folder. */
	remove(): Promise<void>;
}

/** Where the upgraded template goes: beside the JSON one, `NAME.json` → `NAME.pkr.hcl`. */
export function upgradedPath(jsonTemplate: string): string {
	return path.join(path.dirname(jsonTemplate), `${path.basename(jsonTemplate, '.json')}.pkr.hcl`);
}

const UNCONVERTED = /^\s*# could not parse template for following block: (.*)$/gm;

/**
 * The JSON template with each provisioner's own template calls (`{{.Path}}`, `{{.Vars}}`) written
 * as Go template text that yields them (``{{`{{`}}.Path}}``): hcl2_upgrade runs every string
 * through its template engine, which knows no `.Path` and then leaves the whole block unconverted,
 * `{{user}}` and `{{template_dir}}` calls included.
 */
function withProvisionerCallsKept(value: unknown): unknown {
	if (typeof value === 'string') return value.replace(/\{\{(\s*\.)/g, '{{`{{`}}$1');
	if (Array.isArray(value)) return value.map(withProvisionerCallsKept);
	if (typeof value === 'object' && value !== null)
		return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withProvisionerCallsKept(inner)]));
	return value;
}

/**
 * `packer hcl2_upgrade` (Packer 1.6.2 and later) on a copy of the JSON template in a temporary
 * folder: the operator's folder is not touched. The result keeps the template's own name.
 */
export async function upgradeToHcl2(
	packer: string,
	jsonTemplate: string,
	environment: NodeJS.ProcessEnv,
	signal: AbortSignal,
): Promise<Hcl2Upgrade> {
	const folder = await mkdtemp(path.join(tmpdir(), 'convox-ami-hcl2-upgrade-'));
	const remove = () => rm(folder, {recursive: true, force: true});
	try {
		const copy = path.join(folder, path.basename(jsonTemplate));
		await writeFile(copy, JSON.stringify(withProvisionerCallsKept(JSON.parse(await readFile(jsonTemplate, 'utf8'))), null, 2));
		const file = upgradedPath(copy);
		const {exitCode, output} = await runPackerCommand(packer, ['hcl2_upgrade', `-output-file=${file}`, copy], environment, signal);
		const text = exitCode === 0 ? await readFile(file, 'utf8').catch(() => undefined) : undefined;
		if (text === undefined)
			throw new Error(`\`${packer} hcl2_upgrade\` did not convert ${jsonTemplate} (exit ${exitCode}): ${output.trim().slice(0, 600)}`);
		const unconverted = [...text.matchAll(UNCONVERTED)].map(match => match[1]!);
		return {file, text, output: output.replaceAll(folder, path.dirname(jsonTemplate)), unconverted, remove};
	} catch (error) {
		await remove();
		throw error;
	}
}
