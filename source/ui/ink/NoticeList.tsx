import {Box, Text} from 'ink';
import {memo} from 'react';
import type {Notice} from '../run-store';

const COLORS = {info: undefined, warn: 'yellow', error: 'red'} as const;
const MARKS = {info: ' ', warn: '!', error: '✖'} as const;

export const NoticeList = memo(function NoticeList({notices}: {notices: Notice[]}) {
	return (
		<Box flexDirection="column">
			{notices.map(notice => (
				<Text key={notice.id} color={COLORS[notice.level]} wrap="truncate-end">
					{`${MARKS[notice.level]} ${notice.message}`}
				</Text>
			))}
		</Box>
	);
});
