import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import type {StateBackend} from '../../core/state-backend';
import type {StateHandOff} from '../../core/state-location';

export interface KeeperShare {
	/** Sends the files as they are now; a call while a send runs makes one more send after it. */
	send(): void;
	drained(): Promise<void>;
}

/**
 * The keeper's files (record, scrubbed log and output) sent to the shared state under `runs/`, so
 * that another machine can adopt a build that ended after the CLI that started it was killed. A
 * failed upload never stops the keeper: the next send tries again.
 */
export function shareKeeperFiles(handOff: StateHandOff, files: string[]): KeeperShare {
	let backend: Promise<StateBackend> | undefined;
	let running: Promise<void> | undefined;
	let again = false;
	const upload = async () => {
		backend ??= import('../s3-state').then(({createS3State}) => createS3State(handOff));
		const state = await backend;
		for (const file of files) {
			if (existsSync(file)) await state.put(`runs/${path.basename(file)}`, readFileSync(file, 'utf8'));
		}
	};
	const loop = async () => {
		do {
			again = false;
			await upload().catch(() => undefined);
		} while (again);
		running = undefined;
	};
	return {
		send() {
			if (running) again = true;
			else running = loop();
		},
		async drained() {
			while (running) await running;
		},
	};
}
