import type {ParameterChange, ResourceChange} from '../core/types';

const GROUP_TEMPLATES = new Set(['AWS::AutoScaling::LaunchConfiguration', 'AWS::EC2::LaunchTemplate']);

/**
 * How many EC2 instances the change set replaces: standalone instances replaced, plus the whole
 * cluster when its launch configuration or template changes (the group's rolling update replaces
 * every instance, InstanceCount of them).
 */
export function instancesToReplace(changes: ResourceChange[], parameters: ParameterChange[]): number | undefined {
	const replaced = (change: ResourceChange) =>
		change.action === 'Remove' || change.replacement === 'True' || change.replacement === 'Conditional';
	const standalone = changes.filter(change => change.resourceType === 'AWS::EC2::Instance' && replaced(change)).length;
	const groupRolls = changes.some(change => GROUP_TEMPLATES.has(change.resourceType) && (change.action === 'Modify' || replaced(change)));
	if (!groupRolls) return standalone;
	const count = Number(parameters.find(parameter => parameter.key === 'InstanceCount')?.new);
	return Number.isInteger(count) ? standalone + count : undefined;
}
