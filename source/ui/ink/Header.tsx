import {Box, Text} from 'ink';

const BADGE_COLORS: Record<string, string> = {PRODUCTION: 'red', REHEARSAL: 'magenta', 'DRY RUN': 'yellow'};

export function Header({title, badges, name = 'convox-ami'}: {title: string; badges: string[]; name?: string}) {
	return (
		<Box gap={1}>
			<Text bold>{name}</Text>
			<Text color="gray">{title}</Text>
			{badges.map(badge => (
				<Text key={badge} inverse bold color={BADGE_COLORS[badge] ?? 'white'}>
					{` ${badge} `}
				</Text>
			))}
		</Box>
	);
}
