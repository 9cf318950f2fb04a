import {render} from 'ink';
import {RackStores} from '../rack-stores';
import {FRAME_MS, RunStore, type PromptRequest, type ViewReducer} from '../run-store';
import {App} from './App';
import {Frames} from './frames';
import type {PaneRenderer} from './RunPanes';
import type {StepId} from '../../core/types';

export interface InkScreen {
	store: RunStore;
	/** A fleet's racks, each fed from its own events. */
	racks: RackStores;
	unmount(): Promise<void>;
}

/**
 * Events reach the screen at most once a second (questions and the outcome at once, steps within a
 * frame): with the clock's tick a screen that waits draws about one frame a second, whatever streams in.
 */
const EVENT_FLUSH_MS = 1000;

export function mountInk({
	title,
	badges,
	onInterrupt,
	reducers,
	panes,
	question,
}: {
	title: string;
	badges: string[];
	onInterrupt: () => void;
	reducers: Record<string, ViewReducer>;
	panes: Partial<Record<StepId, PaneRenderer>>;
	/** The question the first frame showed: it stays on the screen until it is asked. */
	question?: PromptRequest;
}): InkScreen {
	const store = new RunStore(title, reducers, EVENT_FLUSH_MS);
	store.setBadges(badges);
	if (question) store.showQuestion(question);
	const racks = new RackStores(reducers, EVENT_FLUSH_MS);
	const frames = new Frames();
	const instance = render(<App store={store} frames={frames} onInterrupt={onInterrupt} panes={panes} racks={racks} />, {
		exitOnCtrlC: false,
		maxFps: 1000 / FRAME_MS,
		patchConsole: false,
		onRender: frames.onWrite,
	});
	return {
		store,
		racks,
		async unmount() {
			store.flush();
			await new Promise(resolve => setTimeout(resolve, 80));
			instance.unmount();
			await instance.waitUntilExit();
		},
	};
}
