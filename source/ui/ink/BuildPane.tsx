import {Box, Text} from 'ink';
import {memo} from 'react';
import {phaseElapsed, tailLines, type BuildPhaseView, type BuildViewState} from '../build-view';
import {formatDuration} from '../../core/format-duration';
import {useTimeOr} from './use-clock';

/** The phase under way and what Packer does in it: the line that moves with the clock. */
function CurrentPhase({phase, activity, now}: {phase: BuildPhaseView; activity?: string; now?: number}) {
	const at = useTimeOr(now, phase.since !== undefined);
	return (
		<Text wrap="truncate-end">
			<Text color="cyan" bold>
				▸ {phase.label} {formatDuration(phaseElapsed(phase, at))}
			</Text>
			{activity ? <Text color="gray"> {activity}</Text> : null}
		</Text>
	);
}

/**
 * The live build: finished phases with their times on one line, the current phase and activity,
 * the last few Packer lines (each cut to one row), then errors or AMI ids, and the log path.
 * Its height is bounded (about `maxTail` + 6 rows) whatever Packer prints. Without `now` the current
 * phase's time moves with the screen's clock, and only its line draws again on a tick.
 */
export const BuildPane = memo(function BuildPane({state, now, maxTail = 8}: {state: BuildViewState; now?: number; maxTail?: number}) {
	const current = state.phases.find(phase => phase.id === state.current);
	const finished = state.phases.filter(phase => phase !== current && phase.id !== 'start');
	const tail = tailLines(state).slice(-maxTail);
	const amis = Object.entries(state.amiIds);
	return (
		<Box flexDirection="column">
			{finished.length > 0 ? (
				<Text color="gray" wrap="truncate-end">
					{finished.map(phase => `✔ ${phase.label} ${formatDuration(phaseElapsed(phase, now ?? Date.now()))}`).join('  ')}
				</Text>
			) : null}
			{current ? (
				<CurrentPhase phase={current} activity={state.activity} now={now} />
			) : state.status === 'idle' || state.status === 'running' ? (
				<Text color="gray">waiting for Packer</Text>
			) : null}
			{tail.length > 0 ? (
				<Box flexDirection="column" paddingLeft={2}>
					{tail.map((line, index) => (
						<Text key={index} color="gray" wrap="truncate-end">
							{line || ' '}
						</Text>
					))}
				</Box>
			) : null}
			{state.warning && state.status === 'running' ? (
				<Text color="yellow" wrap="truncate-end">
					{state.warning}
				</Text>
			) : null}
			{state.status === 'failed'
				? state.errors.map((line, index) => (
						<Text key={`error-${index}`} color="red" wrap="truncate-end">
							{line}
						</Text>
					))
				: null}
			{amis.map(([region, amiId]) => (
				<Text key={region} color="green">
					AMI {amiId} ({region})
				</Text>
			))}
			{state.logPath ? (
				<Text color="gray" wrap="truncate-start">
					Log: {state.logPath}
				</Text>
			) : null}
		</Box>
	);
});
