import {Box, Text} from 'ink';
import {memo} from 'react';
import terminalLink from 'terminal-link';
import type {CheckStatus} from '../../core/types';
import type {CheckRecord} from '../../core/types';
import {checklistCounts, detailParts, itemElapsed, NOTE_LIMIT} from '../checklist-view';
import {formatDuration} from '../../core/format-duration';
import {Spinner} from './Spinner';
import {useNow} from './use-clock';

const MARKS: Record<Exclude<CheckStatus, 'running'>, {mark: string; color: string}> = {
	pending: {mark: '·', color: 'gray'},
	pass: {mark: '✔', color: 'green'},
	fail: {mark: '✘', color: 'red'},
	skipped: {mark: '↷', color: 'yellow'},
	waiting: {mark: '?', color: 'yellow'},
};

function Mark({item}: {item: CheckRecord}) {
	if (item.status === 'running') {
		return item.kind === 'manual' ? <Text color="cyan">?</Text> : <Spinner />;
	}
	const {mark, color} = MARKS[item.status];
	return <Text color={color}>{mark}</Text>;
}

/** The evidence on one line as it reads, its URLs clickable where the terminal supports it. */
function Detail({item}: {item: CheckRecord}) {
	return (
		<Text color={item.status === 'fail' ? 'red' : 'gray'} wrap="wrap">
			{detailParts(item.detail).map((part, index) =>
				'url' in part ? (
					<Text key={index} color="blue">
						{terminalLink(part.url, part.url, {fallback: (_text, target) => target})}
					</Text>
				) : (
					part.text
				),
			)}
		</Text>
	);
}

const Row = memo(function Row({item, now}: {item: CheckRecord; now?: number}) {
	const elapsed = itemElapsed(item, now ?? Date.now());
	const tags = [
		item.kind === 'manual' ? 'manual' : '',
		item.required ? '' : 'optional',
		item.attempts > 1 ? `attempt ${item.attempts}` : '',
	].filter(Boolean);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate-end">
				<Mark item={item} /> <Text bold={item.status === 'running'}>{item.title}</Text>
				<Text color="gray">
					{' '}
					{item.id}
					{tags.length > 0 ? ` · ${tags.join(' · ')}` : ''}
					{elapsed === undefined ? '' : ` · ${formatDuration(elapsed)}`}
				</Text>
			</Text>
			{item.detail ? (
				<Box paddingLeft={2}>
					<Detail item={item} />
				</Box>
			) : null}
			{item.notes.slice(-NOTE_LIMIT).map((note, index) => (
				<Box key={index} paddingLeft={2}>
					<Text color="magenta" wrap="truncate-end">
						note: {note}
					</Text>
				</Box>
			))}
		</Box>
	);
});

/** A check under way: the row that moves with the screen's clock. */
function MovingRow({item}: {item: CheckRecord}) {
	return <Row item={item} now={useNow()} />;
}

/**
 * The verification checklist: every item with its state, evidence and notes, and a tally. The
 * automated items run side by side; the question being asked shows as the item marked `?`.
 * Presentational: answers go through the prompter. Without `now` the times of the checks under way
 * move with the screen's clock, and only their rows draw again on a tick.
 */
export const ChecklistPane = memo(function ChecklistPane({checks, now}: {checks: CheckRecord[]; now?: number}) {
	const counts = checklistCounts(checks);
	const tally = [
		`${counts.pass} passed`,
		counts.running ? `${counts.running} running` : '',
		counts.fail ? `${counts.fail} failed` : '',
		counts.skipped ? `${counts.skipped} skipped` : '',
		counts.waiting ? `${counts.waiting} waiting for confirmation` : '',
		counts.pending ? `${counts.pending} pending` : '',
	].filter(Boolean);
	return (
		<Box flexDirection="column">
			<Text color="gray">
				{checks.length} checks: {tally.join(', ')}
			</Text>
			{checks.map(item =>
				now === undefined && item.startedAt !== undefined && item.endedAt === undefined ? (
					<MovingRow key={item.id} item={item} />
				) : (
					<Row key={item.id} item={item} now={now} />
				),
			)}
		</Box>
	);
});
