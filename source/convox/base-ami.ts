import {sourceAmiFor} from './formation-ami';
import {ConditionError, ConditionEvaluator, type ParameterValues} from './template-conditions';
import type {Formation} from '../core/releases';
import type {Architecture, BaseAmiPlan} from '../core/ami';

const SSM_AMI_TYPE = 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>';
const PARAMETER_FOR: Record<Architecture, string> = {x86_64: 'DefaultAmi', arm64: 'DefaultAmiArm'};

export type BaseAmiLookup = BaseAmiPlan | {problem: string};

export interface BaseAmiInput {
	template: Formation;
	version: string;
	region: string;
	/** The stack's parameter values as it runs now. */
	stackValues: ParameterValues;
	/** The template the stack runs now (its Version's), to tell a stored Convox default from the operator's own value. */
	currentTemplate?: {version: string; template: Formation};
}

function defaultsOf(template: Formation): Record<string, string> {
	return Object.fromEntries(
		Object.entries(template.Parameters ?? {}).flatMap(([name, parameter]) =>
			parameter.Default === undefined ? [] : [[name, String(parameter.Default)]],
		),
	);
}

function conditionsOf(template: Formation): Record<string, unknown> {
	const conditions = template.Conditions;
	return typeof conditions === 'object' && conditions !== null ? (conditions as Record<string, unknown>) : {};
}

/** Which SSM parameter path the template's `key` resolves for this stack, and why that one. */
function parameterPathFor(key: string, input: BaseAmiInput): {path: string; why: string} | undefined {
	const newDefault = input.template.Parameters?.[key]?.Default;
	const own = input.stackValues[key];
	if (own) {
		const stored = input.currentTemplate ? input.currentTemplate.template.Parameters?.[key]?.Default : undefined;
		if (stored !== undefined && own === String(stored) && newDefault !== undefined && own !== String(newDefault)) {
			return {
				path: String(newDefault),
				why: `the ${input.version} template's default (the stack's ${own} is the default of ${input.currentTemplate!.version}, which Convox replaces, as its own update does)`,
			};
		}
		return {path: own, why: own === String(newDefault) ? `the stack's ${key}, the template's default` : `the stack's own ${key}`};
	}
	return newDefault === undefined ? undefined : {path: String(newDefault), why: `the ${input.version} template's default`};
}

/**
 * The base AMI of a Convox version for a stack. 2016-era templates name it in
 * `Mappings.RegionConfig[region].Ami`; from 20220728124649 on it is the SSM parameter that the
 * launch templates use, `If(BlankAmi, If(InstanceARM, DefaultAmiArm, DefaultAmi), Ami)`: the
 * architecture comes from the template's own InstanceARM condition on the stack's InstanceType.
 */
export function planBaseAmi(input: BaseAmiInput): BaseAmiLookup {
	const {template, version, region} = input;
	const regionConfig = sourceAmiFor(template, version, region);
	if ('amiId' in regionConfig)
		return {
			era: 'region-config',
			amiId: regionConfig.amiId,
			architecture: 'x86_64',
			reason: `Mappings.RegionConfig.${region}.Ami of the ${version} template`,
		};
	const parameters = template.Parameters ?? {};
	const ssmTyped = Object.keys(parameters).filter(name => parameters[name]?.Type === SSM_AMI_TYPE);
	if (ssmTyped.length === 0) return regionConfig;
	const missing = Object.values(PARAMETER_FOR).filter(name => !ssmTyped.includes(name));
	if (missing.length > 0 || !('InstanceARM' in conditionsOf(template))) {
		const named = ssmTyped.map(name => `${name}: SSM parameter ${String(parameters[name]?.Default ?? '(no default)')}`).join(', ');
		const first = String(parameters[ssmTyped[0]!]?.Default ?? 'NAME');
		return {
			problem: `Convox ${version} takes its AMI from SSM (${named}), but not the way this tool knows (DefaultAmi and DefaultAmiArm, chosen by the InstanceARM condition). Pin another version with --convox-version, or look the AMI up with \`aws ssm get-parameter --name ${first} --region ${region}\`.`,
		};
	}
	const values: Record<string, string> = {...defaultsOf(template)};
	for (const name of Object.keys(parameters)) {
		const own = input.stackValues[name];
		if (own !== undefined) values[name] = own;
	}
	const instanceType = values.InstanceType ?? '';
	try {
		const architectureOf = (type: string): Architecture =>
			new ConditionEvaluator(conditionsOf(template), {...values, InstanceType: type}).condition('InstanceARM') ? 'arm64' : 'x86_64';
		const architecture = architectureOf(instanceType);
		const parameterKey = PARAMETER_FOR[architecture];
		const chosen = parameterPathFor(parameterKey, input);
		if (!chosen)
			return {
				problem: `Convox ${version}: the stack has no ${parameterKey} and the template gives it no default. Set it on the stack, or pin another version with --convox-version.`,
			};
		const conditions = conditionsOf(template);
		const dedicated = 'DedicatedBuilder' in conditions && new ConditionEvaluator(conditions, values).condition('DedicatedBuilder');
		const buildInstance = values.BuildInstance ?? '';
		return {
			era: 'ssm',
			parameterKey,
			parameterPath: chosen.path,
			architecture,
			instanceType,
			reason: `InstanceType ${instanceType} is ${architecture === 'arm64' ? 'an ARM type' : 'not an ARM type'} by the template's InstanceARM condition, so the rack's stock AMI is ${parameterKey}: ${chosen.path}, ${chosen.why}`,
			...(dedicated ? {builder: {instanceType: buildInstance, architecture: architectureOf(buildInstance)}} : {}),
		};
	} catch (error) {
		if (!(error instanceof ConditionError)) throw error;
		return {
			problem: `Cannot tell the architecture of Convox ${version}'s instances from its template: ${error.message}. Pin another version with --convox-version.`,
		};
	}
}
