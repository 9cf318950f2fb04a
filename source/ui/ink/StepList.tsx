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

/** The title's and the time's columns: each row is one line of text, so a tick lays out one node per step. */
const TITLE_WIDTH = 16;
const TIME_WIDTH = 8;

/** Every step of the run with its mark and time; the running one's time moves with the screen's clock. */
export const StepList = memo(function StepList({steps}: {steps: StepRecord[]}) {
	const now = useNow(steps.some(step => step.startedAt !== undefined && step.endedAt === undefined));
	return (
		<Box flexDirection="column">
			{steps.map(step => {
				const took = stepDuration(step, now);
				const style = MARKS[step.status];
				return (
					<Text key={step.id} wrap="truncate-end">
						{step.status === 'running' ? <Spinner /> : <Text color={style?.color}>{style?.mark}</Text>}{' '}
						<Text bold={step.status === 'running'} color={step.status === 'pending' ? 'gray' : undefined}>
							{(STEP_TITLES[step.id] ?? step.id).padEnd(TITLE_WIDTH)}
						</Text>{' '}
						<Text color="gray">{(took === undefined ? '' : formatDuration(took)).padEnd(TIME_WIDTH)}</Text>
						{step.status === 'failed' && step.error ? <Text color="red"> {step.error.split('\n')[0]}</Text> : null}
						{step.status === 'waiting' ? <Text color="yellow"> waiting for confirmation</Text> : null}
					</Text>
				);
			})}
		</Box>
	);
});
