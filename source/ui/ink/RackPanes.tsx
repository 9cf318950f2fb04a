import {Box} from 'ink';
import type {StepId} from '../../core/types';
import type {RunStore} from '../run-store';
import {Header} from './Header';
import {RunPanes, type PaneRenderer} from './RunPanes';
import {useRunState} from './use-run-state';

/** One rack of a fleet opened from the fleet table: its run's header, step list, notices and live pane. */
export function RackPanes({rack, store, panes}: {rack: string; store: RunStore; panes: Partial<Record<StepId, PaneRenderer>>}) {
	const started = useRunState(store, state => state.run !== undefined);
	const title = useRunState(store, state => state.title);
	const badges = useRunState(store, state => state.badges);
	return (
		<Box flexDirection="column" marginTop={1}>
			<Header name={rack} title={started ? title : 'has not started yet'} badges={badges} />
			<RunPanes store={store} panes={panes} />
		</Box>
	);
}
