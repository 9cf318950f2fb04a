import {Box, Text} from 'ink';
import {badgeColor} from '../format';

export function Header({title, badges, name = 'convox-ami'}: {title: string; badges: string[]; name?: string}) {
	return (
		<Box gap={1}>
			<Text bold>{name}</Text>
			<Text color="gray">{title}</Text>
			{badges.map(badge => (
				<Text key={badge} inverse bold color={badgeColor(badge)}>
					{` ${badge} `}
				</Text>
			))}
		</Box>
	);
}
