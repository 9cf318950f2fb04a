import type {Parameter} from '@aws-sdk/client-cloudformation';
import type {ParameterChange} from '../core/types';
import type {StackParameter, TemplateParameter} from '../core/stack';

export interface UpdateParametersInput {
	stackParameters: StackParameter[];
	templateParameters: TemplateParameter[];
	amiId: string;
	convoxVersion: string;
	/** Values for new parameters that have no default (asked of the operator). */
	given?: Record<string, string>;
}

export interface UpdateParameters {
	/** What UpdateStack/CreateChangeSet takes: UsePreviousValue only for parameters in both stack and template. */
	parameters: Parameter[];
	/** Every parameter of the update, old → new, NoEcho values masked. */
	changes: ParameterChange[];
	/** Parameters of the stack that the new template no longer has. */
	dropped: string[];
	/** New parameters without a default and without a given value: the update cannot be made until they have one. */
	missing: TemplateParameter[];
}

const MASK = '****';

const SET_BY_RELEASE = new Set(['Ami', 'Version']);

export function buildUpdateParameters(input: UpdateParametersInput): UpdateParameters {
	const stackValues = new Map(input.stackParameters.map(parameter => [parameter.key, parameter.value]));
	const templateNames = new Set(input.templateParameters.map(parameter => parameter.name));
	const released: Record<string, string> = {Ami: input.amiId, Version: input.convoxVersion};
	const parameters: Parameter[] = [];
	const changes: ParameterChange[] = [];
	const missing: TemplateParameter[] = [];

	for (const template of [...input.templateParameters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
		const {name, noEcho} = template;
		const old = stackValues.get(name);
		const shown = (value: string | undefined) => (value === undefined ? undefined : noEcho ? MASK : value);
		if (SET_BY_RELEASE.has(name)) {
			parameters.push({ParameterKey: name, ParameterValue: released[name]});
			changes.push({key: name, old: shown(old), new: shown(released[name]), masked: noEcho});
		} else if (old !== undefined) {
			parameters.push({ParameterKey: name, UsePreviousValue: true});
			changes.push({key: name, old: shown(old), new: shown(old), masked: noEcho});
		} else if (input.given?.[name] !== undefined) {
			parameters.push({ParameterKey: name, ParameterValue: input.given[name]});
			changes.push({key: name, new: shown(input.given[name]), masked: noEcho});
		} else if (template.default !== undefined) {
			changes.push({key: name, new: shown(template.default), masked: noEcho});
		} else {
			missing.push(template);
		}
	}

	const dropped = input.stackParameters
		.map(parameter => parameter.key)
		.filter(key => !templateNames.has(key))
		.sort();
	return {parameters, changes, dropped, missing};
}
