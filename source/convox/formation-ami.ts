import type {TemplateParameter} from '../core/stack';
import type {Formation} from '../core/releases';

export type SourceAmiLookup = {amiId: string} | {problem: string};

/** The stock AMI of a 2016-era Convox version for a region: `Mappings.RegionConfig[region].Ami` (current templates: see base-ami). */
export function sourceAmiFor(template: Formation, version: string, region: string): SourceAmiLookup {
	const regions = template.Mappings?.RegionConfig ?? {};
	const amiId = regions[region]?.Ami;
	if (typeof amiId === 'string' && /^ami-[0-9a-f]+$/.test(amiId)) return {amiId};
	const withAmi = Object.keys(regions).filter(name => typeof regions[name]?.Ami === 'string');
	if (withAmi.length > 0) {
		return {
			problem: `Convox ${version} has no AMI for ${region}; its template lists AMIs for ${withAmi.join(', ')}. Use one of those regions (--region) or pin another version (--convox-version).`,
		};
	}
	return {
		problem: `Convox ${version} names no AMI for ${region} (no Mappings.RegionConfig.${region}.Ami). Pin another version with --convox-version.`,
	};
}

export function templateParameters(template: Formation): TemplateParameter[] {
	return Object.entries(template.Parameters ?? {}).map(([name, parameter]) => ({
		name,
		...(parameter.Default !== undefined ? {default: String(parameter.Default)} : {}),
		noEcho: parameter.NoEcho === true || parameter.NoEcho === 'true',
	}));
}
