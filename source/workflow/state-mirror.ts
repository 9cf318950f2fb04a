import {createHash} from 'node:crypto';
import {mkdir, readdir, readFile, stat} from 'node:fs/promises';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {replaceFile} from '../core/atomic-file';
import {EXIT, OperatorError} from '../core/errors';
import {WriteConflict, type ListedObject, type SharedBackend, type StateBackend} from '../core/state-backend';
import {mapBounded} from './fleet/bounded';

/** Folders of the state that the backend holds: single runs and fleet runs, with their side files. */
const MIRRORED = ['runs/', 'fleets/'];
/** A lost conditional write is tried again this often when nobody else changed the journal meanwhile. */
const CONFLICT_RETRIES = 3;
/** Objects fetched at once by a pull. */
const PARALLEL_GETS = 8;
/** What the last pull or write left in each local copy (the object's ETag, the copy's hash), so a pull fetches only what changed. */
const PULLED = '.pulled.json';

/** The shared state of a command, opened and mirrored into its state dir. */
export type SharedState = SharedBackend & {mirror: StateMirror};

type Pulled = Record<string, {etag: string; sha256: string}>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

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
	private pulled: Pulled = {};
	private queue: Promise<void> = Promise.resolve();
	private failure: Error | undefined;

	constructor(
		readonly backend: StateBackend,
		private readonly stateDir: string,
	) {}

	/**
	 * Makes the local copies of journals and their files the bucket's (the bucket is the truth),
	 * fetching only the objects whose version or local copy differs from what the last pull or write left.
	 */
	async pull(): Promise<void> {
		this.pulled = await readFile(path.join(this.stateDir, PULLED), 'utf8')
			.then(text => JSON.parse(text) as Pulled)
			.catch(() => ({}));
		for (const folder of MIRRORED) {
			await mkdir(path.join(this.stateDir, folder), {recursive: true});
			await mapBounded(await this.backend.list(folder), PARALLEL_GETS, listed => this.pullOne(listed));
		}
		await this.savePulled();
	}

	private async pullOne({key, etag}: ListedObject): Promise<void> {
		const file = path.join(this.stateDir, key);
		const local = await readFile(file, 'utf8').catch(() => undefined);
		const known = this.pulled[key];
		let object = local !== undefined && etag && known?.etag === etag && known.sha256 === sha256(local) ? {text: local, etag} : undefined;
		if (!object) {
			object = await this.backend.get(key);
			if (!object) return;
			await replaceFile(file, object.text, 0o600);
		}
		this.remember(key, object.etag, object.text);
		if (key.endsWith('.json')) {
			this.etags.set(key, object.etag);
			this.texts.set(key, object.text);
		} else this.pushedFiles.set(key, await this.signatureOf(file));
	}

	private remember(key: string, etag: string, text: string): void {
		this.pulled[key] = {etag, sha256: sha256(text)};
	}

	private async savePulled(): Promise<void> {
		await replaceFile(path.join(this.stateDir, PULLED), `${JSON.stringify(this.pulled)}\n`, 0o600);
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
				await this.savePulled();
			} catch (error) {
				this.failure = error as Error;
			}
		});
	}

	private async writeJournal(key: string, text: string): Promise<void> {
		for (let attempt = 0; ; attempt++) {
			const etag = this.etags.get(key);
			try {
				const written = await this.backend.put(key, text, etag ? {ifMatch: etag} : {ifNoneMatch: '*'});
				this.etags.set(key, written);
				this.texts.set(key, text);
				this.remember(key, written, text);
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
			const text = readFileSync(file, 'utf8');
			this.remember(key, await this.backend.put(key, text), text);
			this.pushedFiles.set(key, signature);
		}
	}
}
