import {Box, Text} from 'ink';
import {memo} from 'react';
import type {StackEventView, StackViewState} from '../stack-view';
import {ChangeSetPreview} from './ChangeSetPreview';
import {useTimeOr} from './use-clock';
import {formatAge, timeOfDay} from '../../core/format-duration';

function statusColor(status: string): string {
	if (status.includes('ROLLBACK') || status.endsWith('_FAILED')) return 'red';
	if (status.endsWith('_IN_PROGRESS')) return 'yellow';
	if (status.endsWith('_COMPLETE')) return 'green';
	return 'white';
}

/** An event's columns after its time of day. Each event is one line of text that never changes: a tick draws none of them again. */
const RESOURCE_WIDTH = 24;
const STATUS_WIDTH = 30;

/** `text` in a column `width` wide, cut with `…` when longer (CloudFormation's ids and statuses are ASCII). */
function column(text: string, width: number): string {
	return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

const EventRow = memo(function EventRow({event}: {event: StackEventView}) {
	return (
		<Text wrap="truncate-end">
			<Text color="gray">{timeOfDay(event.timestamp)}</Text> {column(event.resource, RESOURCE_WIDTH)}{' '}
			<Text color={statusColor(event.status)}>{column(event.status, STATUS_WIDTH)}</Text> <Text color="gray">{event.reason}</Text>
		</Text>
	);
});

/** The stack's status, the counts and the time since the update began: the line that moves with the clock. */
function Summary({state, now}: {state: StackViewState; now?: number}) {
	const at = useTimeOr(now, state.startedAt !== undefined);
	const elapsed = state.startedAt ? formatAge(state.startedAt, at) : undefined;
	return (
		<Text>
			{state.stackStatus ? (
				<Text color={statusColor(state.stackStatus)}>{state.stackStatus}</Text>
			) : (
				<Text color="gray">waiting for events</Text>
			)}
			<Text color="gray">
				{' · '}
				{state.finished} finished, {state.inProgress} in change, {state.failed} failed
				{elapsed ? ` · ${elapsed} elapsed` : ''}
			</Text>
		</Text>
	);
}

/**
 * The update-stack step's pane: the change set preview until the stack moves (while the operator
 * decides), then the live update: recent events (time, resource, status, reason), counts, elapsed
 * time, and the root cause once there is one. Without `now` its elapsed time moves with the
 * screen's clock.
 */
export const StackPane = memo(function StackPane({state, now}: {state: StackViewState; now?: number}) {
	if (state.recent.length === 0 && state.changeSet) return <ChangeSetPreview changeSet={state.changeSet} />;
	return (
		<Box flexDirection="column">
			<Summary state={state} now={now} />
			{state.recent.map((event, index) => (
				<EventRow key={state.seen - state.recent.length + index} event={event} />
			))}
			{state.rootCause ? (
				<Text color="red" wrap="wrap">
					First failure: {state.rootCause.resource} {state.rootCause.status}: {state.rootCause.reason}
				</Text>
			) : null}
		</Box>
	);
});
