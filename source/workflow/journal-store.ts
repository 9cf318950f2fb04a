import {currentCheckId} from '../core/check-ids';
import {mkdir, readdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import {replaceFileSync} from '../core/atomic-file';
import {OperatorError, UsageError, EXIT} from '../core/errors';
import {reduceRun} from './reducer';
import type {StateMirror} from './state-mirror';
import type {Run, RunEventInput} from '../core/types';

const SCHEMA_VERSION = 1;

export function runsDir(stateDir: string): string {
	return path.join(stateDir, 'runs');
}

export function runFiles(stateDir: string, runId: string) {
	const base = path.join(runsDir(stateDir), runId);
	return {journal: `${base}.json`, packerLog: `${base}.packer.log`, report: `${base}.report.md`};
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

/** One JSON file per run, replaced atomically (temp file, fsync, rename) at every change. */
export class JournalStore {
	/** With a mirror, the state dir is a working copy of the shared state (S3) and every save is written through. */
	constructor(
		readonly stateDir: string,
		readonly mirror?: StateMirror,
	) {}

	async ensureWritable(): Promise<void> {
		try {
			await mkdir(runsDir(this.stateDir), {recursive: true});
		} catch (error) {
			throw new UsageError(
				`The state dir ${this.stateDir} cannot be used: ${(error as Error).message}`,
				'Pass --state-dir DIR with a folder you can write.',
			);
		}
	}

	/** Synchronous on purpose: when an event has been emitted, its effect is on disk. */
	save(run: Run): void {
		const file = runFiles(this.stateDir, run.id).journal;
		const text = `${JSON.stringify(run, null, 2)}\n`;
		try {
			replaceFileSync(file, text);
		} catch (error) {
			if (!(error as NodeJS.ErrnoException).code) throw error;
			throw describeWriteError(error as NodeJS.ErrnoException, file);
		}
		this.mirror?.journal(`runs/${run.id}.json`, text);
	}

	/** Once the shared state holds every save so far: a side effect waits for the journal that announces it. */
	async journaled(): Promise<void> {
		await this.mirror?.settled();
	}

	/** Once the shared state holds every save so far and the run's files (report, Packer log and record) as they are now. */
	async settled(runId: string): Promise<void> {
		if (!this.mirror) return;
		this.mirror.files('runs/', runId);
		await this.mirror.settled();
	}

	/** Records an event in another run than the one being driven (a release learns of the rollback that undoes it), through the reducer. */
	async record(runId: string, input: RunEventInput): Promise<Run> {
		const run = reduceRun(await this.load(runId), {...input, runId, at: new Date().toISOString()});
		this.save(run);
		return run;
	}

	async load(runId: string): Promise<Run> {
		const file = runFiles(this.stateDir, runId).journal;
		let text: string;
		try {
			text = await readFile(file, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT')
				throw new UsageError(`No run ${runId} in ${runsDir(this.stateDir)}.`, 'List runs with `convox-ami runs`.');
			throw error;
		}
		return parseJournal(text, file);
	}

	/** Every run that loads, newest first, plus the files that do not (never deleted or replaced). */
	async list(): Promise<{runs: Run[]; unreadable: Array<{file: string; problem: string}>}> {
		let names: string[];
		try {
			names = await readdir(runsDir(this.stateDir));
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {runs: [], unreadable: []};
			throw error;
		}
		const runs: Run[] = [];
		const unreadable: Array<{file: string; problem: string}> = [];
		for (const name of names.filter(name => /^[\w-]+\.json$/.test(name))) {
			const file = path.join(runsDir(this.stateDir), name);
			try {
				runs.push(parseJournal(await readFile(file, 'utf8'), file));
			} catch (error) {
				unreadable.push({file, problem: (error as Error).message});
			}
		}
		runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
		return {runs, unreadable};
	}
}

function parseJournal(text: string, file: string): Run {
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (error) {
		throw new UsageError(
			`The journal ${file} is corrupt (${(error as Error).message}); it was left as it is.`,
			'Move it aside to start over, or restore it from a backup.',
		);
	}
	const run = data as Partial<Run>;
	if (typeof run !== 'object' || run === null || typeof run.id !== 'string' || !Array.isArray(run.steps)) {
		throw new UsageError(
			`The journal ${file} is not a convox-ami run; it was left as it is.`,
			'Move it aside or point --state-dir elsewhere.',
		);
	}
	if (run.schemaVersion !== SCHEMA_VERSION) {
		throw new UsageError(
			`The journal ${file} has schema version ${String(run.schemaVersion)}; this convox-ami reads version ${SCHEMA_VERSION}.`,
			'Use the convox-ami version that wrote it.',
		);
	}
	// A journal of an older convox-ami may name a check by the id it had then.
	return {...(run as Run), checks: (run.checks ?? []).map(check => ({...check, id: currentCheckId(check.id)}))};
}
