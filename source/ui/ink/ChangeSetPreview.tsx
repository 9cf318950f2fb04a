import {Box, Text} from 'ink';
import type {ChangeSetView} from '../stack-view';

const RESOURCES_SHOWN = 12;

const REPLACEMENT_COLORS: Record<string, string> = {True: 'red', Conditional: 'yellow', False: 'green'};

function shown(value: string | undefined): string {
	return value === undefined ? '(none)' : value === '' ? '""' : value;
}

/** What the change set would do, before the operator confirms it. */
export function ChangeSetPreview({changeSet}: {changeSet: ChangeSetView}) {
	const {changed, unchanged, changes, dropped, instancesToReplace} = changeSet;
	return (
		<Box flexDirection="column">
			<Text>
				<Text bold>Change set</Text> {changeSet.changeSetName} <Text color="gray">on</Text> {changeSet.stackName}
			</Text>
			<Text bold>Parameters</Text>
			{changed.map(parameter => (
				<Text key={parameter.key}>
					{'  '}
					{parameter.key}: <Text color="red">{shown(parameter.old)}</Text> → <Text color="green">{shown(parameter.new)}</Text>
					{parameter.masked ? <Text color="gray"> (NoEcho)</Text> : null}
				</Text>
			))}
			<Text color="gray">
				{'  '}
				{unchanged} other parameter(s) unchanged
			</Text>
			{dropped.length > 0 ? (
				<Text color="yellow">
					{'  '}dropped by the new template: {dropped.join(', ')}
				</Text>
			) : null}
			<Text bold>Resources ({changes.length})</Text>
			{changes.slice(0, RESOURCES_SHOWN).map(change => (
				<Text key={`${change.logicalId}-${change.action}`}>
					{'  '}
					{change.action} {change.logicalId} <Text color="gray">{change.resourceType}</Text>
					{change.replacement ? <Text color={REPLACEMENT_COLORS[change.replacement]}> replacement: {change.replacement}</Text> : null}
				</Text>
			))}
			{changes.length > RESOURCES_SHOWN ? (
				<Text color="gray">
					{'  '}… and {changes.length - RESOURCES_SHOWN} more
				</Text>
			) : null}
			<Text bold color={instancesToReplace === 0 ? 'green' : 'yellow'}>
				{instancesToReplace === undefined
					? 'Every instance of the cluster will be replaced.'
					: `${instancesToReplace} instance(s) will be replaced.`}
			</Text>
		</Box>
	);
}
