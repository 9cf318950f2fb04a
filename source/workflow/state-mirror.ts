import {mkdir, readdir, stat} from 'node:fs/promises';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {replaceFile} from '../core/atomic-file';
import {EXIT, OperatorError} from '../core/errors';
import {WriteConflict, type StateBackend} from '../core/state-backend';

/** Folders of the state that the backend holds: single runs and fleet runs, with their side files. */
const MIRRORED = ['runs/', 'fleets/'];
/** A lost conditional write is tried again this often when nobody else changed the journal meanwhile. */
const CONFLICT_RETRIES = 3;

/**
 * The local state dir as a working copy of a shared backend (S3). `pull` makes the folder what the
 * bucket holds; every journal save is then written through, conditional on the ETag read last, and
 * the run's side files (report, scrubbed Packer log, keeper record) follow at each step's end.
 * Writes go out in order, one at a time; `settled` waits for them and rethrows a write that failed.
 */
export class StateMirror {
	private readonly etags = new Map<string, string>();
	/** What this process last read or wrote per journal key: the base its next write replaces. */
	private readonly texts = new Map<string, string>();
	private readonly pushedFiles = new Map<string, string>();
	private queue: Promise<void> = Promise.resolve();
	private failure: Error | undefined;

	constructor(
		readonly backend: StateBackend,
		private readonly stateDir: string,
	) {}

	/** Replaces the local copies of journals and their files with the bucket's (the bucket is the truth). */
	async pull(): Promise<void> {
		for (const folder of MIRRORED) {
			await mkdir(path.join(this.stateDir, folder), {recursive: true});
			for (const key of await this.backend.list(folder)) {
				const object = await this.backend.get(key);
				if (!object) continue;
				const file = path.join(this.stateDir, key);
				await replaceFile(file, object.text, 0o600);
				if (key.endsWith('.json')) {
					this.etags.set(key, object.etag);
					this.texts.set(key, object.text);
				} else this.pushedFiles.set(key, await this.signatureOf(file));
			}
		}
	}

	/** Queues the conditional write of a journal (`runs/ID.json`, `fleets/ID.json`); a failure surfaces at the next call. */
	journal(key: string, text: string): void {
		this.rethrow();
		this.enqueue(() => this.writeJournal(key, text));
	}

	/** Queues the upload of the files of a run or fleet run (`runs/ID.*` besides its journal) that changed since they were last sent. */
	files(folder: string, id: string): void {
		this.rethrow();
		this.enqueue(() => this.pushFiles(folder, id));
	}

	async settled(): Promise<void> {
		await this.queue;
		this.rethrow();
	}

	private rethrow(): void {
		if (this.failure) throw this.failure;
	}

	private enqueue(work: () => Promise<void>): void {
		this.queue = this.queue.then(async () => {
			if (this.failure) return;
			try {
				await work();
			} catch (error) {
				this.failure = error as Error;
			}
		});
	}

	private async writeJournal(key: string, text: string): Promise<void> {
		for (let attempt = 0; ; attempt++) {
			const etag = this.etags.get(key);
			try {
				this.etags.set(key, await this.backend.put(key, text, etag ? {ifMatch: etag} : {ifNoneMatch: '*'}));
				this.texts.set(key, text);
				return;
			} catch (error) {
				if (!(error instanceof WriteConflict)) throw error;
				const remote = await this.backend.get(key);
				// Only when the journal is still what this process based its change on is the change applied again.
				if (remote?.text !== this.texts.get(key) || attempt >= CONFLICT_RETRIES) throw this.lost(key, error);
				if (remote) this.etags.set(key, remote.etag);
				else this.etags.delete(key);
			}
		}
	}

	private lost(key: string, error: WriteConflict): OperatorError {
		return new OperatorError(
			`The journal ${this.backend.where}/${key} was changed by another process since this one read it (${error.reason}); this process stopped without overwriting it.`,
			EXIT.failed,
			'See who drives the run with `convox-ami runs`; when nobody does, run `convox-ami resume` to go on from what the state holds.',
		);
	}

	private async signatureOf(file: string): Promise<string> {
		const info = await stat(file);
		return `${info.size}:${info.mtimeMs}`;
	}

	private async pushFiles(folder: string, id: string): Promise<void> {
		const dir = path.join(this.stateDir, folder);
		const names = (await readdir(dir, {withFileTypes: true}).catch(() => [])).filter(
			entry => entry.isFile() && entry.name.startsWith(`${id}.`) && !entry.name.endsWith('.json') && !entry.name.endsWith('.tmp'),
		);
		for (const {name} of names) {
			const key = `${folder}${name}`;
			const file = path.join(dir, name);
			const signature = await this.signatureOf(file);
			if (this.pushedFiles.get(key) === signature) continue;
			await this.backend.put(key, readFileSync(file, 'utf8'));
			this.pushedFiles.set(key, signature);
		}
	}
}
