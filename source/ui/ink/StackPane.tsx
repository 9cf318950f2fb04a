import {Box, Text} from 'ink';
import type {StackViewState} from '../stack-view';
import {ChangeSetPreview} from './ChangeSetPreview';
import {formatAge} from '../../core/format-duration';

function statusColor(status: string): string {
	if (status.includes('ROLLBACK') || status.endsWith('_FAILED')) return 'red';
	if (status.endsWith('_IN_PROGRESS')) return 'yellow';
	if (status.endsWith('_COMPLETE')) return 'green';
	return 'white';
}

/** An event's columns. Each event is one line of text: its age moves every second, and a tick lays out one node per event. */
const AGE_WIDTH = 6;
const RESOURCE_WIDTH = 24;
const STATUS_WIDTH = 30;

/** `text` in a column `width` wide, cut with `…` when longer (CloudFormation's ids and statuses are ASCII). */
function column(text: string, width: number): string {
	return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/**
 * The update-stack step's pane: the change set preview until the stack moves (while the operator
 * decides), then the live update: recent events (resource, status, reason, age), counts, elapsed
 * time, and the root cause once there is one.
 */
export function StackPane({state, now = Date.now()}: {state: StackViewState; now?: number}) {
	if (state.recent.length === 0 && state.changeSet) return <ChangeSetPreview changeSet={state.changeSet} />;
	const elapsed = state.startedAt ? formatAge(state.startedAt, now) : undefined;
	return (
		<Box flexDirection="column">
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
			{state.recent.map((event, index) => (
				<Text key={`${event.timestamp}-${event.resource}-${event.status}-${index}`} wrap="truncate-end">
					<Text color="gray">{formatAge(event.timestamp, now).padEnd(AGE_WIDTH)}</Text> {column(event.resource, RESOURCE_WIDTH)}{' '}
					<Text color={statusColor(event.status)}>{column(event.status, STATUS_WIDTH)}</Text> <Text color="gray">{event.reason}</Text>
				</Text>
			))}
			{state.rootCause ? (
				<Text color="red" wrap="wrap">
					First failure: {state.rootCause.resource} {state.rootCause.status}: {state.rootCause.reason}
				</Text>
			) : null}
		</Box>
	);
}
