import {listParam, objectParam, stringParam, type QueryParams} from './form';
import {randomUUID} from './ids';
import {AwsError, type ChangeSetRecord, type DeclaredParameter, type Parameter, type StackConfiguration, type StackRecord} from './model';
import type {StandInState} from './state';
import {fetchTemplate, summarizeTemplate, type TemplateSummary} from './templates';
import {changedKeys, resourceChanges} from './update-plan';
import type {XmlValue} from './xml';

export interface CloudFormationSettings {
	accountId: string;
	region: string;
	eventsPageSize: number;
	/** Stacks per page of a DescribeStacks without StackName (CloudFormation cuts its pages at 1 MB). */
	stacksPageSize: number;
	requiredCapabilities: string[];
	resolveTemplate?: (url: string) => unknown;
}

/** Who calls: a listing answers only the stacks of the caller's account and region. */
export interface Caller {
	accountId: string;
	region: string;
}

type Handler = (state: StandInState, params: QueryParams, settings: CloudFormationSettings, caller: Caller) => Promise<XmlValue> | XmlValue;

const mask = (value: string, noEcho: boolean | undefined) => (noEcho ? '****' : value);

/** `resolve`: for SSM-typed parameters (`AWS::SSM::Parameter::Value<...>`), the value their parameter names, given as ResolvedValue. */
function parameterXml(
	parameters: Parameter[],
	declarations: DeclaredParameter[],
	resolve?: (name: string) => string | undefined,
): XmlValue {
	const noEcho = new Set(declarations.filter(declaration => declaration.noEcho).map(declaration => declaration.key));
	const ssmTyped = new Set(
		declarations.filter(declaration => declaration.type.startsWith('AWS::SSM::Parameter::Value<')).map(declaration => declaration.key),
	);
	return parameters.map(parameter => ({
		ParameterKey: parameter.key,
		ParameterValue: mask(parameter.value, noEcho.has(parameter.key)),
		ResolvedValue: ssmTyped.has(parameter.key) ? resolve?.(parameter.value) : undefined,
	}));
}

function stackXml(stack: StackRecord, state: StandInState): XmlValue {
	return {
		StackId: stack.stackId,
		StackName: stack.stackName,
		Description: stack.description,
		Parameters: parameterXml(stack.parameters, stack.templateParameters, name => state.data.ssmParameters?.[name]),
		CreationTime: stack.creationTime,
		LastUpdatedTime: stack.lastUpdatedTime,
		StackStatus: stack.status,
		StackStatusReason: stack.statusReason,
		DisableRollback: stack.disableRollback,
		NotificationARNs: [],
		Capabilities: stack.capabilities,
		Outputs: stack.outputs.map(output => ({OutputKey: output.key, OutputValue: output.value, Description: output.description})),
		Tags: stack.tags.map(tag => ({Key: tag.key, Value: tag.value})),
		EnableTerminationProtection: false,
		DriftInformation: {StackDriftStatus: 'NOT_CHECKED'},
	};
}

/** A stack's account and region are those of its ARN: arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID. */
function isCallers(stack: StackRecord, caller: Caller): boolean {
	const [, , , region, accountId] = stack.stackId.split(':');
	return region === caller.region && accountId === caller.accountId;
}

function required(params: QueryParams, name: string): string {
	const value = stringParam(params[name]);
	if (!value) {
		throw new AwsError(
			'ValidationError',
			`1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
		);
	}

	return value;
}

async function templateOf(
	params: QueryParams,
	stack: StackRecord | undefined,
	settings: CloudFormationSettings,
): Promise<TemplateSummary & {templateUrl?: string}> {
	const url = stringParam(params.TemplateURL);
	if (url) {
		const known = settings.resolveTemplate?.(url);
		return {...(known === undefined ? await fetchTemplate(url) : summarizeTemplate(known)), templateUrl: url};
	}

	const body = stringParam(params.TemplateBody);
	if (body) {
		try {
			return summarizeTemplate(JSON.parse(body));
		} catch (error) {
			throw error instanceof AwsError ? error : new AwsError('ValidationError', 'Template format error: JSON not well-formed.');
		}
	}

	if (stack && stringParam(params.UsePreviousTemplate) === 'true') {
		return {
			parameters: stack.templateParameters,
			resourceTypes: [],
			capabilities: [],
			...(stack.templateUrl ? {templateUrl: stack.templateUrl} : {}),
		};
	}

	throw new AwsError('ValidationError', 'Either Template URL or Template Body must be specified.');
}

/** Validates an update's template, parameters and capabilities the way CloudFormation does before accepting it. */
async function resolveUpdate(stack: StackRecord, params: QueryParams, settings: CloudFormationSettings): Promise<StackConfiguration> {
	const template = await templateOf(params, stack, settings);
	const given = listParam(params.Parameters).map(objectParam);
	const previous = new Map(stack.parameters.map(parameter => [parameter.key, parameter.value]));
	const declared = new Map(template.parameters.map(declaration => [declaration.key, declaration]));

	const undeclared = given.map(parameter => stringParam(parameter.ParameterKey) ?? '').filter(key => !declared.has(key));
	if (undeclared.length > 0) {
		throw new AwsError('ValidationError', `Parameters: [${undeclared.join(', ')}] do not exist in the template`);
	}

	const values = new Map<string, string>();
	for (const parameter of given) {
		const key = stringParam(parameter.ParameterKey)!;
		if (stringParam(parameter.UsePreviousValue) === 'true') {
			if (!previous.has(key)) {
				throw new AwsError(
					'ValidationError',
					`Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
				);
			}

			values.set(key, previous.get(key)!);
		} else {
			values.set(key, stringParam(parameter.ParameterValue) ?? '');
		}
	}

	const missing: string[] = [];
	for (const declaration of template.parameters) {
		if (!values.has(declaration.key)) {
			if (declaration.defaultValue === undefined) {
				missing.push(declaration.key);
			} else {
				values.set(declaration.key, declaration.defaultValue);
			}
		}

		const value = values.get(declaration.key);
		if (value !== undefined && declaration.allowedValues && !declaration.allowedValues.includes(value)) {
			throw new AwsError('ValidationError', `Parameter '${declaration.key}' must be one of AllowedValues`);
		}
	}

	if (missing.length > 0) {
		throw new AwsError('ValidationError', `Parameters: [${missing.join(', ')}] must have values`);
	}

	const capabilities = listParam(params.Capabilities).map(String);
	const lacking = [...new Set([...template.capabilities, ...settings.requiredCapabilities])].filter(
		capability => !capabilities.includes(capability),
	);
	if (lacking.length > 0) {
		throw new AwsError('InsufficientCapabilitiesException', `Requires capabilities : [${lacking.join(', ')}]`);
	}

	return {
		parameters: template.parameters.map(declaration => ({key: declaration.key, value: values.get(declaration.key)!})),
		templateParameters: template.parameters,
		...(template.templateUrl ? {templateUrl: template.templateUrl} : {}),
		capabilities,
	};
}

function findChangeSet(state: StandInState, params: QueryParams): {stack: StackRecord; changeSet: ChangeSetRecord} {
	const name = required(params, 'ChangeSetName');
	const stacks = name.includes(':changeSet/') ? Object.values(state.data.stacks) : [state.stack(required(params, 'StackName'))];
	for (const stack of stacks) {
		const changeSet = stack.changeSets.find(candidate => candidate.id === name || candidate.name === name);
		if (changeSet) {
			return {stack, changeSet};
		}
	}

	throw new AwsError('ChangeSetNotFound', `ChangeSet [${name}] does not exist`, 404);
}

function changeSetSummary(state: StandInState, stack: StackRecord, changeSet: ChangeSetRecord) {
	const {status, executionStatus, statusReason} = state.changeSetState(changeSet);
	return {
		StackId: stack.stackId,
		StackName: stack.stackName,
		ChangeSetId: changeSet.id,
		ChangeSetName: changeSet.name,
		ExecutionStatus: executionStatus,
		Status: status,
		StatusReason: statusReason,
		CreationTime: new Date(changeSet.createdAt).toISOString(),
		Description: changeSet.description,
		IncludeNestedStacks: false,
	};
}

export const cloudFormationHandlers: Record<string, Handler> = {
	DescribeStacks(state, params, settings, caller) {
		const name = stringParam(params.StackName);
		if (name) return {Stacks: [stackXml(state.stack(name), state)]};
		const listed = Object.values(state.data.stacks).filter(stack => stack.status !== 'DELETE_COMPLETE' && isCallers(stack, caller));
		const start = Number(stringParam(params.NextToken) ?? 0);
		const end = start + settings.stacksPageSize;
		return {
			Stacks: listed.slice(start, end).map(stack => stackXml(stack, state)),
			NextToken: end < listed.length ? String(end) : undefined,
		};
	},

	DescribeStackEvents(state, params, settings) {
		const stack = state.stack(required(params, 'StackName'));
		const before = Number(stringParam(params.NextToken) ?? Number.POSITIVE_INFINITY);
		const newestFirst = stack.events.filter(event => event.seq < before).sort((a, b) => b.seq - a.seq);
		const page = newestFirst.slice(0, settings.eventsPageSize);
		return {
			StackEvents: page.map(event => ({
				StackId: stack.stackId,
				EventId: event.eventId,
				StackName: stack.stackName,
				LogicalResourceId: event.logicalId,
				PhysicalResourceId: event.physicalId,
				ResourceType: event.resourceType,
				Timestamp: event.timestamp,
				ResourceStatus: event.status,
				ResourceStatusReason: event.reason,
			})),
			NextToken: newestFirst.length > page.length ? String(page.at(-1)!.seq) : undefined,
		};
	},

	/** Answers for the stacks' instance roles, the only resources the stand-in keeps. */
	DescribeStackResource(state, params) {
		const stack = state.stack(required(params, 'StackName'));
		const logicalId = required(params, 'LogicalResourceId');
		const role = state.data.iamRoles?.find(candidate => candidate.stackName === stack.stackName && candidate.logicalId === logicalId);
		if (!role) {
			throw new AwsError('ValidationError', `Resource ${logicalId} does not exist for stack ${stack.stackName}`);
		}

		return {
			StackResourceDetail: {
				StackName: stack.stackName,
				StackId: stack.stackId,
				LogicalResourceId: logicalId,
				PhysicalResourceId: role.roleName,
				ResourceType: 'AWS::IAM::Role',
				LastUpdatedTimestamp: role.createDate,
				ResourceStatus: 'CREATE_COMPLETE',
				DriftInformation: {StackResourceDriftStatus: 'NOT_CHECKED'},
			},
		};
	},

	async CreateChangeSet(state, params, settings) {
		const stackName = required(params, 'StackName');
		const name = required(params, 'ChangeSetName');
		if (!/^[a-zA-Z][-a-zA-Z0-9]*$/.test(name) || name.length > 128) {
			throw new AwsError(
				'ValidationError',
				`1 validation error detected: Value '${name}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
			);
		}

		const type = stringParam(params.ChangeSetType) ?? 'UPDATE';
		const stack = state.findStack(stackName);
		if (type !== 'UPDATE' || !stack) {
			throw new AwsError(
				'ValidationError',
				stack
					? `Stack [${stackName}] already exists and cannot be created again with the changeSet [${name}].`
					: `Stack [${stackName}] does not exist`,
			);
		}

		state.assertUpdatable(stack);
		if (stack.changeSets.some(changeSet => changeSet.name === name)) {
			throw new AwsError('AlreadyExistsException', `ChangeSet [${name}] already exists and cannot be created again`);
		}

		const target = await resolveUpdate(stack, params, settings);
		const changeSet: ChangeSetRecord = {
			id: `arn:aws:cloudformation:${settings.region}:${settings.accountId}:changeSet/${name}/${randomUUID()}`,
			name,
			...(stringParam(params.Description) ? {description: stringParam(params.Description)} : {}),
			createdAt: Date.now(),
			...(target.templateUrl ? {templateUrl: target.templateUrl} : {}),
			parameters: target.parameters,
			templateParameters: target.templateParameters,
			capabilities: target.capabilities,
			changes: resourceChanges(stack.stackName, changedKeys(stack.parameters, target.parameters)),
		};
		stack.changeSets.push(changeSet);
		return {Id: changeSet.id, StackId: stack.stackId};
	},

	DescribeChangeSet(state, params) {
		const {stack, changeSet} = findChangeSet(state, params);
		const summary = changeSetSummary(state, stack, changeSet);
		return {
			...summary,
			Parameters: parameterXml(changeSet.parameters, changeSet.templateParameters),
			NotificationARNs: [],
			RollbackConfiguration: {},
			Capabilities: changeSet.capabilities,
			Tags: [],
			Changes:
				summary.Status === 'CREATE_COMPLETE'
					? changeSet.changes.map(change => ({
							Type: 'Resource',
							ResourceChange: {
								Action: change.action,
								LogicalResourceId: change.logicalId,
								PhysicalResourceId: change.physicalId,
								ResourceType: change.resourceType,
								Replacement: change.replacement,
								Scope: change.scope,
								Details: [],
							},
						}))
					: [],
		};
	},

	ListChangeSets(state, params) {
		const stack = state.stack(required(params, 'StackName'));
		return {Summaries: stack.changeSets.map(changeSet => changeSetSummary(state, stack, changeSet))};
	},

	ExecuteChangeSet(state, params) {
		const {stack, changeSet} = findChangeSet(state, params);
		const {status, executionStatus} = state.changeSetState(changeSet);
		if (executionStatus !== 'AVAILABLE') {
			throw new AwsError('InvalidChangeSetStatus', `ChangeSet [${changeSet.id}] cannot be executed in its current status of [${status}]`);
		}

		state.beginUpdate(
			stack,
			{
				parameters: changeSet.parameters,
				templateParameters: changeSet.templateParameters,
				...(changeSet.templateUrl ? {templateUrl: changeSet.templateUrl} : {}),
				capabilities: changeSet.capabilities,
			},
			changeSet.changes,
			changeSet.id,
		);
		return {};
	},

	DeleteChangeSet(state, params) {
		const {stack, changeSet} = findChangeSet(state, params);
		if (changeSet.executionStatus === 'EXECUTE_IN_PROGRESS') {
			throw new AwsError('InvalidChangeSetStatus', `Cannot delete ChangeSet in status ${changeSet.executionStatus}`);
		}

		stack.changeSets = stack.changeSets.filter(candidate => candidate !== changeSet);
		return {};
	},

	async UpdateStack(state, params, settings) {
		const stack = state.stack(required(params, 'StackName'));
		state.assertUpdatable(stack);
		const target = await resolveUpdate(stack, params, settings);
		const changes = resourceChanges(stack.stackName, changedKeys(stack.parameters, target.parameters));
		if (changes.length === 0) {
			throw new AwsError('ValidationError', 'No updates are to be performed.');
		}

		state.beginUpdate(stack, target, changes);
		return {StackId: stack.stackId};
	},

	CancelUpdateStack(state, params) {
		state.cancelUpdate(state.stack(required(params, 'StackName')));
		return {};
	},

	async GetTemplateSummary(state, params, settings) {
		const stackName = stringParam(params.StackName);
		const stack = stackName ? state.stack(stackName) : undefined;
		const template =
			stack && !params.TemplateURL && !params.TemplateBody
				? {parameters: stack.templateParameters, resourceTypes: [], capabilities: stack.capabilities}
				: await templateOf(params, undefined, settings);
		const capabilities = [...new Set([...template.capabilities, ...settings.requiredCapabilities])];
		return {
			Parameters: template.parameters.map(declaration => ({
				ParameterKey: declaration.key,
				DefaultValue: declaration.defaultValue,
				ParameterType: declaration.type,
				NoEcho: declaration.noEcho,
				Description: declaration.description,
				ParameterConstraints: {AllowedValues: declaration.allowedValues ?? []},
			})),
			Description: 'description' in template ? template.description : undefined,
			Capabilities: capabilities,
			CapabilitiesReason: capabilities.length > 0 ? 'The following resource(s) require capabilities: [AWS::IAM::Role]' : undefined,
			ResourceTypes: template.resourceTypes,
			Version: '2010-09-09',
			DeclaredTransforms: [],
		};
	},
};

export const cloudFormationWrites = new Set(['CreateChangeSet', 'ExecuteChangeSet', 'DeleteChangeSet', 'UpdateStack', 'CancelUpdateStack']);
