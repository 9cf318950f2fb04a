import type {TemplateInspection} from '../packer-template-inspection';
import {satisfies} from './semver';
import type {PackerAtHand} from './version';

/** The plugin that holds every `amazon-*` builder since Packer 1.10 stopped bundling it. */
const AMAZON_PLUGIN = 'github.com/hashicorp/amazon';

export interface PluginRequirement {
	source: string;
	/** A version constraint (`>= 1.2.8`), as `required_plugins` gives it. */
	version?: string;
}

/** What stands between the Packer at hand and a build of the template, each with what to run or install. */
export type PackerFinding =
	{kind: 'packer-too-old'; required: string; actual: string} | {kind: 'missing-plugins'; plugins: PluginRequirement[]; command: string[]};

/** The plugins a template needs: its `required_plugins` (HCL2), and the Amazon plugin for its `amazon-*` builders. */
function neededPlugins(inspection: TemplateInspection): PluginRequirement[] {
	const declared = inspection.requiredPlugins ?? [];
	const amazon = inspection.builders.some(builder => builder.type.startsWith('amazon-'));
	return amazon && !declared.some(plugin => plugin.source === AMAZON_PLUGIN) ? [...declared, {source: AMAZON_PLUGIN}] : declared;
}

function installed(atHand: PackerAtHand, plugin: PluginRequirement): boolean {
	return (atHand.plugins ?? []).some(
		candidate =>
			candidate.source === plugin.source &&
			(!plugin.version || !candidate.version || satisfies(candidate.version, plugin.version) !== false),
	);
}

/**
 * How the Packer at hand meets the template. `templateLocation` is the file or folder given to
 * Packer: `packer init` installs what an HCL2 template's `required_plugins` names; anything else
 * (a JSON template, an HCL2 one without `required_plugins`) takes `packer plugins install`.
 */
export function packerFindings(atHand: PackerAtHand, inspection: TemplateInspection, templateLocation: string): PackerFinding[] {
	const findings: PackerFinding[] = [];
	const required = inspection.requiredPackerVersion;
	if (required && satisfies(atHand.version, required) === false) findings.push({kind: 'packer-too-old', required, actual: atHand.version});
	if (!atHand.plugins) return findings;
	const missing = neededPlugins(inspection).filter(plugin => !installed(atHand, plugin));
	const declared = new Set((inspection.requiredPlugins ?? []).map(plugin => plugin.source));
	const byInit = missing.filter(plugin => declared.has(plugin.source));
	const byInstall = missing.filter(plugin => !declared.has(plugin.source));
	if (byInit.length > 0) findings.push({kind: 'missing-plugins', plugins: byInit, command: ['init', templateLocation]});
	for (const plugin of byInstall)
		findings.push({kind: 'missing-plugins', plugins: [plugin], command: ['plugins', 'install', plugin.source]});
	return findings;
}
