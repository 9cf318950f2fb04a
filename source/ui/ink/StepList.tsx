import {Box, Text} from 'ink';
import {memo} from 'react';
import type {StepRecord} from '../../core/types';
import {STEP_TITLES} from '../../core/types';
import {stepDuration} from '../format';
import {formatDuration} from '../../core/format-duration';
import {Spinner} from './Spinner';
import {useNow} from './use-clock';

const MARKS: Record<string, {mark: string; color: string}> = {
	pending: {mark: '·', color: 'gray'},
	done: {mark: '✔', color: 'green'},
	failed: {mark: '✖', color: 'red'},
	skipped: {mark: '–', color: 'gray'},
	waiting: {mark: '…', color: 'yellow'},
};

/** Every step of the run with its mark and time; the running one's time moves with the screen's clock. */
export const StepList = memo(function StepList({steps}: {steps: StepRecord[]}) {
	const now = useNow(steps.some(step => step.startedAt !== undefined && step.endedAt === undefined));
	return (
		<Box flexDirection="column">
			{steps.map(step => {
				const took = stepDuration(step, now);
				const style = MARKS[step.status];
				return (
					<Box key={step.id} gap={1}>
						{step.status === 'running' ? <Spinner /> : <Text color={style?.color}>{style?.mark}</Text>}
						<Box width={16}>
							<Text bold={step.status === 'running'} color={step.status === 'pending' ? 'gray' : undefined}>
								{STEP_TITLES[step.id] ?? step.id}
							</Text>
						</Box>
						<Box width={8} flexShrink={0}>
							<Text color="gray">{took === undefined ? '' : formatDuration(took)}</Text>
						</Box>
						{step.status === 'failed' && step.error ? (
							<Text color="red" wrap="truncate-end">
								{step.error.split('\n')[0]}
							</Text>
						) : null}
						{step.status === 'waiting' ? <Text color="yellow">waiting for confirmation</Text> : null}
					</Box>
				);
			})}
		</Box>
	);
});
