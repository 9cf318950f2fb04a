import {hexId, physicalSuffix} from './ids';
import type {ActiveUpdate, EventSpec, InstanceRecord, Parameter, ResourceChangeRecord, Scenario, StackRecord, UpdateStep} from './model';

/** The resources of a Convox rack that a parameter change touches, as CloudFormation reports them. */
const launchConfigurationKeys = new Set([
	'Ami',
	'InstanceType',
	'Key',
	'InstanceBootCommand',
	'InstanceRunCommand',
	'VolumeSize',
	'SwapSize',
	'Tenancy',
	'ContainerDisk',
]);
const autoScalingKeys = new Set(['InstanceCount', 'InstanceUpdateBatchSize']);
const launchConfiguration = {logicalId: 'LaunchConfiguration', resourceType: 'AWS::AutoScaling::LaunchConfiguration'};
const instances = {logicalId: 'Instances', resourceType: 'AWS::AutoScaling::AutoScalingGroup'};
const taskDefinitions = ['RackWebTasks', 'RackMonitorTasks'];
const services = ['RackWeb', 'RackMonitor'];
const stackResourceType = 'AWS::CloudFormation::Stack';
const replacementReason = 'Requested update requires the creation of a new physical resource; hence creating one.';
const internalFailure = 'Resource handler returned message: "Internal Failure"';
const defaultInstancesFailure = 'Received 0 SUCCESS signal(s) out of 1.  Unable to satisfy 100% MinSuccessfulInstancesPercent requirement';

export function changedKeys(previous: Parameter[], target: Parameter[]): string[] {
	const before = new Map(previous.map(parameter => [parameter.key, parameter.value]));
	const after = new Map(target.map(parameter => [parameter.key, parameter.value]));
	return [...new Set([...before.keys(), ...after.keys()])].filter(key => before.get(key) !== after.get(key)).sort();
}

export function resourceChanges(stackName: string, keys: string[]): ResourceChangeRecord[] {
	const changes: ResourceChangeRecord[] = [];
	const physical = (logicalId: string) => `${stackName}-${logicalId}-${physicalSuffix()}`;
	if (keys.some(key => !launchConfigurationKeys.has(key) && !autoScalingKeys.has(key))) {
		for (const logicalId of taskDefinitions) {
			changes.push({
				action: 'Modify',
				logicalId,
				physicalId: `arn:aws:ecs:task-definition/${stackName}-${logicalId}`,
				resourceType: 'Custom::ECSTaskDefinition',
				replacement: 'Conditional',
				scope: ['Properties'],
			});
		}

		for (const logicalId of services) {
			changes.push({
				action: 'Modify',
				logicalId,
				physicalId: `arn:aws:ecs:service/${physical(logicalId)}`,
				resourceType: 'AWS::ECS::Service',
				replacement: 'False',
				scope: ['Properties'],
			});
		}
	}

	const replacesInstances = keys.some(key => launchConfigurationKeys.has(key));
	if (replacesInstances) {
		changes.push({
			action: 'Modify',
			...launchConfiguration,
			physicalId: physical('LaunchConfiguration'),
			replacement: 'True',
			scope: ['Properties'],
		});
	}

	if (replacesInstances || keys.some(key => autoScalingKeys.has(key))) {
		changes.push({action: 'Modify', ...instances, physicalId: physical('Instances'), replacement: 'False', scope: ['Properties']});
	}

	return changes;
}

function stackEvent(stack: StackRecord, status: string, reason?: string): EventSpec {
	return {logicalId: stack.stackName, resourceType: stackResourceType, physicalId: stack.stackId, status, ...(reason ? {reason} : {})};
}

function resourceEvent(change: ResourceChangeRecord, status: string, reason?: string): EventSpec {
	return {
		logicalId: change.logicalId,
		resourceType: change.resourceType,
		...(change.physicalId ? {physicalId: change.physicalId} : {}),
		status,
		...(reason ? {reason} : {}),
	};
}

export interface PlanInput {
	stack: StackRecord;
	changes: ResourceChangeRecord[];
	/** The stack's running instances, replaced one by one when the launch configuration changes. */
	instances: InstanceRecord[];
	targetAmi: string;
	scenario: Scenario;
	failureReason?: string;
}

/** The steps of an update from its first event; a failing scenario ends in a step that hands over to the rollback. */
export function planUpdate(input: PlanInput): UpdateStep[] {
	const {stack, changes, scenario} = input;
	const failing = scenario === 'rollback' || scenario === 'rollback-failed';
	const steps: UpdateStep[] = [
		{
			events: [stackEvent(stack, 'UPDATE_IN_PROGRESS', 'User Initiated')],
			stackStatus: 'UPDATE_IN_PROGRESS',
			stackStatusReason: 'User Initiated',
			parameters: 'target',
		},
	];
	const sequential = changes.filter(change => change.logicalId !== instances.logicalId && change.resourceType !== 'AWS::ECS::Service');
	const concurrent = changes.filter(change => !sequential.includes(change));
	const failure = (change: ResourceChangeRecord, reason: string): UpdateStep => ({
		events: [resourceEvent(change, 'UPDATE_FAILED', input.failureReason ?? reason)],
		then: scenario === 'rollback-failed' ? 'rollback-failed' : 'rollback',
	});

	for (const [index, change] of sequential.entries()) {
		if (change.replacement === 'True') {
			steps.push(
				{events: [resourceEvent(change, 'UPDATE_IN_PROGRESS', replacementReason)]},
				{events: [resourceEvent(change, 'UPDATE_IN_PROGRESS', 'Resource creation Initiated')]},
			);
		} else {
			steps.push({events: [resourceEvent(change, 'UPDATE_IN_PROGRESS')]});
		}

		if (failing && concurrent.length === 0 && index === sequential.length - 1) {
			steps.push(failure(change, internalFailure));
			return steps;
		}

		steps.push({events: [resourceEvent(change, 'UPDATE_COMPLETE')]});
	}

	if (concurrent.length === 0) {
		return [...steps, ...closingSteps(stack, changes, 'UPDATE')];
	}

	steps.push({events: concurrent.map(change => resourceEvent(change, 'UPDATE_IN_PROGRESS'))});
	const group = concurrent.find(change => change.logicalId === instances.logicalId);
	if (group && scenario !== 'stale-instances' && changes.some(change => change.logicalId === launchConfiguration.logicalId)) {
		const total = input.instances.length;
		steps.push({
			events: [
				resourceEvent(
					group,
					'UPDATE_IN_PROGRESS',
					`Rolling update initiated. Terminating ${total} obsolete instance(s) in batches of 1, while keeping at least ${total} instance(s) in service. Waiting on resource signals with a timeout of PT15M when new instances are added to the autoscaling group.`,
				),
			],
		});
		for (const [index, old] of input.instances.entries()) {
			const instanceId = hexId('i-');
			steps.push(
				{
					events: [
						resourceEvent(
							group,
							'UPDATE_IN_PROGRESS',
							`Temporarily setting autoscaling group MinSize and DesiredCapacity to ${total + 1}.`,
						),
					],
					launch: [{instanceId, imageId: input.targetAmi}],
				},
				{
					events: [
						resourceEvent(
							group,
							'UPDATE_IN_PROGRESS',
							'New instance(s) added to autoscaling group - Waiting on 1 resource signal(s) with a timeout of PT15M.',
						),
					],
				},
			);
			if (failing) {
				steps.push(
					{
						events: [
							resourceEvent(
								group,
								'UPDATE_IN_PROGRESS',
								'Failed to receive 1 resource signal(s) for the current batch.  Each resource signal timeout is counted as a FAILURE.',
							),
						],
					},
					failure(group, defaultInstancesFailure),
				);
				return steps;
			}

			steps.push(
				{
					events: [resourceEvent(group, 'UPDATE_IN_PROGRESS', `Received SUCCESS signal with UniqueId ${instanceId}`)],
					running: [instanceId],
				},
				{
					events: [
						resourceEvent(group, 'UPDATE_IN_PROGRESS', `Terminating instance(s) [${old.instanceId}]; replacing with 0 new instance(s).`),
					],
					terminate: [old.instanceId],
				},
				{
					events: [
						resourceEvent(
							group,
							'UPDATE_IN_PROGRESS',
							`Successfully terminated instance(s) [${old.instanceId}] (Progress ${Math.round(((index + 1) / total) * 100)}%).`,
						),
					],
				},
			);
			if (index < total - 1) {
				steps.push({
					events: [resourceEvent(group, 'UPDATE_IN_PROGRESS', 'Received 1 SUCCESS signal(s) out of 1.  Proceeding with the next batch')],
				});
			}
		}
	}

	if (failing) {
		steps.push(group ? failure(group, defaultInstancesFailure) : failure(concurrent[0]!, internalFailure));
		return steps;
	}

	steps.push(...concurrent.map(change => ({events: [resourceEvent(change, 'UPDATE_COMPLETE')]})));
	return [...steps, ...closingSteps(stack, changes, 'UPDATE')];
}

function closingSteps(stack: StackRecord, replaced: ResourceChangeRecord[], kind: 'UPDATE' | 'UPDATE_ROLLBACK'): UpdateStep[] {
	const parameters = kind === 'UPDATE' ? 'target' : 'previous';
	const steps: UpdateStep[] = [
		{events: [stackEvent(stack, `${kind}_COMPLETE_CLEANUP_IN_PROGRESS`)], stackStatus: `${kind}_COMPLETE_CLEANUP_IN_PROGRESS`, parameters},
	];
	for (const change of replaced.filter(change => change.replacement === 'True')) {
		steps.push({events: [resourceEvent(change, 'DELETE_IN_PROGRESS')]}, {events: [resourceEvent(change, 'DELETE_COMPLETE')]});
	}

	steps.push({events: [stackEvent(stack, `${kind}_COMPLETE`)], stackStatus: `${kind}_COMPLETE`, parameters});
	return steps;
}

/**
 * The rollback from wherever the update is: resources still in progress are cancelled, every
 * touched resource is put back in reverse order, replaced instances come back on their old image.
 */
export function planRollback(
	update: ActiveUpdate,
	stack: StackRecord,
	instancesById: Map<string, InstanceRecord>,
	options: {cancelled: boolean; fails: boolean},
): UpdateStep[] {
	const touched = update.changes.filter(change => update.touched.includes(change.logicalId));
	const inProgress = touched.filter(change => !update.failed.includes(change.logicalId) && !update.completed.includes(change.logicalId));
	const failedNames = update.failed.length > 0 ? update.failed : inProgress.map(change => change.logicalId);
	const steps: UpdateStep[] = [];
	if (inProgress.length > 0) {
		steps.push({events: inProgress.map(change => resourceEvent(change, 'UPDATE_FAILED', 'Resource update cancelled'))});
	}

	const reason = options.cancelled ? 'Stack update cancelled' : `The following resource(s) failed to update: [${failedNames.join(', ')}]. `;
	steps.push({
		events: [stackEvent(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', reason)],
		stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
		stackStatusReason: reason,
	});

	const failingResource = touched.find(change => change.logicalId === instances.logicalId) ?? touched.at(-1);
	for (const change of [...touched].reverse()) {
		steps.push({events: [resourceEvent(change, 'UPDATE_IN_PROGRESS')]});
		if (change.logicalId === instances.logicalId) {
			const launched = update.launched.filter(instanceId => instancesById.get(instanceId)?.state !== 'terminated');
			for (const oldId of update.terminated) {
				const instanceId = hexId('i-');
				steps.push(
					{
						events: [
							resourceEvent(
								change,
								'UPDATE_IN_PROGRESS',
								'New instance(s) added to autoscaling group - Waiting on 1 resource signal(s) with a timeout of PT15M.',
							),
						],
						launch: [{instanceId, imageId: instancesById.get(oldId)?.imageId ?? ''}],
					},
					{
						events: [resourceEvent(change, 'UPDATE_IN_PROGRESS', `Received SUCCESS signal with UniqueId ${instanceId}`)],
						running: [instanceId],
					},
				);
			}

			if (launched.length > 0) {
				steps.push({
					events: [
						resourceEvent(
							change,
							'UPDATE_IN_PROGRESS',
							`Terminating instance(s) [${launched.join(',')}]; replacing with 0 new instance(s).`,
						),
					],
					terminate: launched,
				});
			}
		}

		if (options.fails && change === failingResource) {
			const failedReason = `The following resource(s) failed to update: [${change.logicalId}]. `;
			steps.push(
				{
					events: [
						resourceEvent(change, 'UPDATE_FAILED', change.logicalId === instances.logicalId ? defaultInstancesFailure : internalFailure),
					],
				},
				{
					events: [stackEvent(stack, 'UPDATE_ROLLBACK_FAILED', failedReason)],
					stackStatus: 'UPDATE_ROLLBACK_FAILED',
					stackStatusReason: failedReason,
					parameters: 'previous',
				},
			);
			return steps;
		}

		steps.push({events: [resourceEvent(change, 'UPDATE_COMPLETE')]});
	}

	return [...steps, ...closingSteps(stack, touched, 'UPDATE_ROLLBACK')];
}
