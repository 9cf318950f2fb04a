import {render} from 'ink';
import {RunStore, type ViewReducer} from '../run-store';
import {App, type PaneRenderer} from './App';
import type {StepId} from '../../workflow/types';

export interface InkScreen {
	store: RunStore;
	unmount(): Promise<void>;
}

/**
 * Events reach the screen at most once a second (questions, steps and the outcome at once): with the
 * clock's tick a screen that waits draws about one frame a second, whatever streams in.
 */
const EVENT_FLUSH_MS = 1000;

export function mountInk({
	title,
	badges,
	onInterrupt,
	reducers,
	panes,
}: {
	title: string;
	badges: string[];
	onInterrupt: () => void;
	reducers: Record<string, ViewReducer>;
	panes: Partial<Record<StepId, PaneRenderer>>;
}): InkScreen {
	const store = new RunStore(title, reducers, EVENT_FLUSH_MS);
	store.setBadges(badges);
	const instance = render(<App store={store} onInterrupt={onInterrupt} panes={panes} />, {
		exitOnCtrlC: false,
		maxFps: 10,
		patchConsole: false,
	});
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
