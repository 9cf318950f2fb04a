import {render} from 'ink';
import {RunStore, type ViewReducer} from '../run-store';
import {App, type PaneRenderer} from './App';
import type {StepId} from '../../workflow/types';

export interface InkScreen {
	store: RunStore;
	unmount(): Promise<void>;
}

export function mountInk({title, onInterrupt, reducers, panes}: {title: string; onInterrupt: () => void; reducers: Record<string, ViewReducer>; panes: Partial<Record<StepId, PaneRenderer>>}): InkScreen {
	const store = new RunStore(title, reducers);
	const instance = render(<App store={store} onInterrupt={onInterrupt} panes={panes} />, {exitOnCtrlC: false, maxFps: 10, patchConsole: false});
	return {
		store,
		async unmount() {
			store.flush();
			await new Promise(resolve => setTimeout(resolve, 80));
			instance.unmount();
			await instance.waitUntilExit();
		},
	};
}
