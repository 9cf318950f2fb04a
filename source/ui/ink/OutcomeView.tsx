import {Box, Text} from 'ink';
import type {SessionOutcome} from '../../core/session-outcome';

const HEADLINES: Record<number, {text: string; color: string}> = {
	0: {text: '✔ Finished', color: 'green'},
	1: {text: '✖ Failed', color: 'red'},
	2: {text: '✖ Stopped: nothing was changed', color: 'red'},
	3: {text: '… Waiting for confirmation', color: 'yellow'},
	130: {text: '■ Interrupted', color: 'yellow'},
};

export function OutcomeView({outcome}: {outcome: SessionOutcome}) {
	const headline = HEADLINES[outcome.exitCode] ?? HEADLINES[1]!;
	return (
		<Box flexDirection="column" marginTop={1}>
			<Text bold color={headline.color}>
				{headline.text}
			</Text>
			{outcome.message ? <Text>{outcome.message}</Text> : null}
			{outcome.hint ? <Text color="cyan">{outcome.hint}</Text> : null}
			{outcome.report ? <Text color="gray">Report: {outcome.report}</Text> : null}
			{outcome.journal ? <Text color="gray">Journal: {outcome.journal}</Text> : null}
		</Box>
	);
}
