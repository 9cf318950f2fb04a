import {instancesToReplace} from '../convox/instances-to-replace';
import {countResources, isCascade} from '../convox/stack-progress';
import type {ParameterChange, ResourceChange, RunEvent} from '../core/types';

export interface StackEventView {
	resource: string;
	resourceType?: string;
	status: string;
	reason: string;
	timestamp: string;
}

export interface ChangeSetView {
	stackName: string;
	changeSetName: string;
	/** Parameters whose value changes; NoEcho ones arrive masked. */
	changed: ParameterChange[];
	unchanged: number;
	changes: ResourceChange[];
	dropped: string[];
	/** undefined: the whole Auto Scaling group rolls, but its size is not known. */
	instancesToReplace: number | undefined;
}

export interface StackViewState {
	limit: number;
	/** The newest events, oldest first, at most `limit`. */
	recent: StackEventView[];
	/** How many events came in all: `recent[i]` is number `seen - recent.length + i`, which stays its number as older ones scroll away. */
	seen: number;
	/** Latest status per resource (a stack has a bounded number of resources). */
	resources: Record<string, string>;
	finished: number;
	inProgress: number;
	failed: number;
	stackStatus?: string;
	startedAt?: string;
	rootCause?: StackEventView;
	activity?: string;
	changeSet?: ChangeSetView;
}

export function initialStackView(limit = 10): StackViewState {
	return {limit, recent: [], seen: 0, resources: {}, finished: 0, inProgress: 0, failed: 0};
}

function isStackItself(event: StackEventView, state: StackViewState): boolean {
	return event.resourceType === 'AWS::CloudFormation::Stack' && (!state.changeSet || event.resource === state.changeSet.stackName);
}

function isEarlierCause(event: StackEventView, current: StackEventView | undefined): boolean {
	if (!event.status.endsWith('_FAILED') || event.reason === '' || isCascade(event.reason)) return false;
	return !current || Date.parse(event.timestamp) < Date.parse(current.timestamp);
}

export function reduceStackView(previous: StackViewState | undefined, event: RunEvent): StackViewState {
	const state = previous ?? initialStackView();
	switch (event.type) {
		case 'stack-event': {
			const view: StackEventView = {
				resource: event.resource,
				resourceType: event.resourceType,
				status: event.status,
				reason: event.reason,
				timestamp: event.timestamp,
			};
			const recent = [...state.recent, view].slice(-state.limit);
			const startedAt = state.startedAt ?? event.timestamp;
			const seen = state.seen + 1;
			if (isStackItself(view, state)) return {...state, recent, seen, startedAt, stackStatus: event.status};
			const resources = {...state.resources, [event.resource]: event.status};
			const rootCause = isEarlierCause(view, state.rootCause) ? view : state.rootCause;
			return {...state, recent, seen, startedAt, resources, ...countResources(Object.values(resources)), rootCause};
		}
		case 'change-set': {
			const changed = event.parameters.filter(parameter => parameter.old !== parameter.new);
			return {
				...state,
				changeSet: {
					stackName: event.stackName,
					changeSetName: event.changeSetName,
					changed,
					unchanged: event.parameters.length - changed.length,
					changes: event.changes,
					dropped: event.dropped,
					instancesToReplace: instancesToReplace(event.changes, event.parameters),
				},
			};
		}
		case 'progress':
			return event.step === 'update-stack' ? {...state, activity: event.activity} : state;
		default:
			return state;
	}
}

/** "42s", "3m05s", "1h02m": how long ago `timestamp` was at `now`. */
