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
				<Box key={`${event.timestamp}-${event.resource}-${event.status}-${index}`} gap={1}>
					<Box width={6} flexShrink={0}>
						<Text color="gray">{formatAge(event.timestamp, now)}</Text>
					</Box>
					<Box width={24} flexShrink={0}>
						<Text wrap="truncate-end">{event.resource}</Text>
					</Box>
					<Box width={30} flexShrink={0}>
						<Text color={statusColor(event.status)} wrap="truncate-end">
							{event.status}
						</Text>
					</Box>
					<Text color="gray" wrap="truncate-end">
						{event.reason}
					</Text>
				</Box>
			))}
			{state.rootCause ? (
				<Text color="red" wrap="wrap">
					First failure: {state.rootCause.resource} {state.rootCause.status}: {state.rootCause.reason}
				</Text>
			) : null}
		</Box>
	);
}
