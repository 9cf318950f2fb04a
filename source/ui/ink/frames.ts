type Listener = () => void;

/** Counts the frames Ink writes to the terminal (its `onRender` option), for a prompt to know it is on screen. */
export class Frames {
	written = 0;
	private readonly listeners = new Set<Listener>();

	onWrite = (): void => {
		this.written++;
		for (const listener of this.listeners) listener();
	};

	subscribe(listener: Listener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}
}
