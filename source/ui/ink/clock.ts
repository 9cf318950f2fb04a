type Listener = () => void;

/**
 * The one timer behind every spinner and elapsed time on the screen: it ticks at a low rate, and
 * only while something on the screen shows the time, so a screen that waits costs a frame per tick.
 * Each interval runs `onInterval` (the screen flushes its store there, so that events waiting for a
 * frame and the tick share one); `advance` ticks at once, and the next tick waits a whole interval.
 */
export class Clock {
	private now = Date.now();
	private ticks = 0;
	private timer: NodeJS.Timeout | undefined;
	private readonly listeners = new Set<Listener>();

	constructor(
		readonly intervalMs: number,
		private readonly onInterval: () => void = () => this.advance(),
	) {}

	getNow = (): number => this.now;

	/** How many times it has ticked: what a spinner turns by. */
	getTicks = (): number => this.ticks;

	subscribe = (listener: Listener): (() => void) => {
		this.listeners.add(listener);
		if (!this.timer) {
			this.now = Date.now();
			this.start();
		}
		return () => {
			this.listeners.delete(listener);
			if (this.listeners.size === 0) this.stop();
		};
	};

	advance = (): void => {
		// Stopped, it keeps the time current for what starts it next (a rack that starts running).
		if (!this.timer) {
			this.now = Date.now();
			return;
		}
		this.stop();
		this.tick();
		this.start();
	};

	private start(): void {
		this.timer = setInterval(this.onInterval, this.intervalMs);
		this.timer.unref();
	}

	private stop(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}

	private tick(): void {
		this.now = Date.now();
		this.ticks++;
		for (const listener of this.listeners) listener();
	}
}
