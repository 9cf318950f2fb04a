import {mkdir, readdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import {replaceFileSync} from '../core/atomic-file';
import {EXIT, OperatorError, UsageError, errorText} from '../core/errors';
import type {StateMirror} from './state-mirror';

/** The one schema version of every journal this convox-ami writes and reads. */
const SCHEMA_VERSION = 1;

/** What every journaled entry (a run, a fleet run) carries. */
interface JournalEntry {
	schemaVersion: number;
	id: string;
	createdAt: string;
}

/** One kind of journal: its folder of the state dir, how it is named, how an entry is recognised. */
export interface JournalKind<T extends JournalEntry> {
	/** `runs` or `fleets`: STATE_DIR/FOLDER/ID.json, mirrored as `FOLDER/ID.json`. */
	folder: string;
	/** What one entry is called in messages: `run`, `fleet run`. */
	entry: string;
	/** What its file is called in messages: `journal`, `fleet journal`. */
	file: string;
	/** Whether parsed JSON has this kind's shape (its schema version is checked apart). */
	recognises(data: Partial<T>): boolean;
	/** A journal of an older convox-ami brought to today's names, when they changed. */
	upgrade?(entry: T): T;
}

export interface JournalListing<T> {
	/** Every entry that loads, newest first. */
	entries: T[];
	/** The files that do not load (never deleted or replaced). */
	unreadable: Array<{file: string; problem: string}>;
}

function describeWriteError(error: NodeJS.ErrnoException, file: string): OperatorError {
	const reasons: Record<string, string> = {
		ENOSPC: 'the disk is full',
		EDQUOT: 'the disk quota is exhausted',
		EACCES: 'permission denied',
		EPERM: 'permission denied',
		EROFS: 'the file system is read-only',
		EFBIG: 'the file is larger than this process may write (ulimit -f)',
	};
	const reason = reasons[error.code ?? ''] ?? error.message;
	return new OperatorError(
		`Cannot write the journal ${file}: ${reason}.`,
		EXIT.failed,
		'The previous journal is intact. Free space or fix permissions, then run `convox-ami resume`.',
	);
}

/**
 * One JSON file per entry in STATE_DIR/FOLDER/, replaced atomically (temp file, fsync, rename) at
 * every change; with a mirror, the state dir is a working copy of the shared state (S3) and every
 * save is written through.
 */
export class JsonJournal<T extends JournalEntry> {
	constructor(
		private readonly kind: JournalKind<T>,
		readonly stateDir: string,
		readonly mirror?: StateMirror,
	) {}

	get dir(): string {
		return path.join(this.stateDir, this.kind.folder);
	}

	fileOf(id: string): string {
		return path.join(this.dir, `${id}.json`);
	}

	async ensureWritable(): Promise<void> {
		try {
			await mkdir(this.dir, {recursive: true});
		} catch (error) {
			throw new UsageError(
				`The state dir ${this.stateDir} cannot be used: ${errorText(error)}`,
				'Pass --state-dir DIR with a folder you can write.',
			);
		}
	}

	/** Synchronous on purpose: when a change has been announced, it is on disk. */
	save(entry: T): void {
		const file = this.fileOf(entry.id);
		const text = `${JSON.stringify(entry, null, 2)}\n`;
		try {
			replaceFileSync(file, text);
		} catch (error) {
			if (!(error as NodeJS.ErrnoException).code) throw error;
			throw describeWriteError(error as NodeJS.ErrnoException, file);
		}
		this.mirror?.journal(`${this.kind.folder}/${entry.id}.json`, text);
	}

	/** Once the shared state holds every save so far and the entry's side files (report, logs) as they are now. */
	async settled(id: string): Promise<void> {
		if (!this.mirror) return;
		this.mirror.files(`${this.kind.folder}/`, id);
		await this.mirror.settled();
	}

	async load(id: string): Promise<T> {
		const file = this.fileOf(id);
		let text: string;
		try {
			text = await readFile(file, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT')
				throw new UsageError(`No ${this.kind.entry} ${id} in ${this.dir}.`, 'List runs with `convox-ami runs`.');
			throw error;
		}
		return this.parse(text, file);
	}

	async list(): Promise<JournalListing<T>> {
		let names: string[];
		try {
			names = await readdir(this.dir);
		} catch (error) {
			// No state dir yet, or one that cannot be (a file in the way): nothing journaled; what to do about it is said where it is written.
			if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return {entries: [], unreadable: []};
			throw error;
		}
		const entries: T[] = [];
		const unreadable: JournalListing<T>['unreadable'] = [];
		for (const name of names.filter(name => /^[\w-]+\.json$/.test(name))) {
			const file = path.join(this.dir, name);
			try {
				entries.push(this.parse(await readFile(file, 'utf8'), file));
			} catch (error) {
				unreadable.push({file, problem: errorText(error)});
			}
		}
		entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
		return {entries, unreadable};
	}

	private parse(text: string, file: string): T {
		const {kind} = this;
		let data: unknown;
		try {
			data = JSON.parse(text);
		} catch (error) {
			throw new UsageError(
				`The ${kind.file} ${file} is corrupt (${errorText(error)}); it was left as it is.`,
				'Move it aside to start over, or restore it from a backup.',
			);
		}
		const entry = data as Partial<T>;
		if (typeof entry !== 'object' || entry === null || typeof entry.id !== 'string' || !kind.recognises(entry)) {
			throw new UsageError(
				`The ${kind.file} ${file} is not a convox-ami ${kind.entry}; it was left as it is.`,
				'Move it aside or point --state-dir elsewhere.',
			);
		}
		if (entry.schemaVersion !== SCHEMA_VERSION) {
			throw new UsageError(
				`The ${kind.file} ${file} has schema version ${String(entry.schemaVersion)}; this convox-ami reads version ${SCHEMA_VERSION}.`,
				'Use the convox-ami version that wrote it.',
			);
		}
		return kind.upgrade ? kind.upgrade(entry as T) : (entry as T);
	}
}
