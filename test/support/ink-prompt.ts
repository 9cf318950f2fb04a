import type {Frames} from '../../source/ui/ink/frames';

/** What an Ink prompt shows under its box once it takes keys. */
export const PROMPT_READY = 'Enter answer';

/** Waits until the open prompt takes keys. */
export async function promptReady(lastFrame: () => string | undefined, timeoutMs = 5000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!lastFrame()?.includes(PROMPT_READY)) {
		if (Date.now() > deadline) throw new Error(`The prompt never took keys. Frame:\n${lastFrame()}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
	// The frame with the hint is written in its commit; the keys are subscribed in effects run just after.
	await new Promise(resolve => setTimeout(resolve, 10));
}

/**
 * Stands in for Ink writing the frame that shows the open prompt (ink-testing-library passes no
 * `onRender`), then waits until the prompt takes keys.
 */
export async function promptDrawn(frames: Frames, lastFrame: () => string | undefined): Promise<void> {
	frames.onWrite();
	await promptReady(lastFrame);
}
