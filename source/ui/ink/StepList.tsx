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

const StepRow = memo(function StepRow({step, now}: {step: StepRecord; now?: number}) {
	const took = stepDuration(step, now);
	const style = MARKS[step.status];
	return (
		<Text wrap="truncate-end">
			{step.status === 'running' ? <Spinner /> : <Text color={style?.color}>{style?.mark}</Text>}{' '}
			<Text bold={step.status === 'running'} color={step.status === 'pending' ? 'gray' : undefined}>
				{(STEP_TITLES[step.id] ?? step.id).padEnd(TITLE_WIDTH)}
			</Text>{' '}
			<Text color="gray">{(took === undefined ? '' : formatDuration(took)).padEnd(TIME_WIDTH)}</Text>
			{step.status === 'failed' && step.error ? <Text color="red"> {step.error.split('\n')[0]}</Text> : null}
			{step.status === 'waiting' ? <Text color="yellow"> waiting for confirmation</Text> : null}
		</Text>
	);
});

/** A step under way: the one row that moves with the screen's clock. */
function MovingStepRow({step}: {step: StepRecord}) {
	return <StepRow step={step} now={useNow()} />;
}

/** Every step of the run with its mark and time; only the running one's row draws again on a tick. */
export const StepList = memo(function StepList({steps}: {steps: StepRecord[]}) {
	return (
		<Box flexDirection="column">
			{steps.map(step =>
				step.startedAt !== undefined && step.endedAt === undefined ? (
					<MovingStepRow key={step.id} step={step} />
				) : (
					<StepRow key={step.id} step={step} />
				),
			)}
		</Box>
	);
});
