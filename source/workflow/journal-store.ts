import {currentCheckId} from '../core/check-ids';
import path from 'node:path';
import {JsonJournal} from './json-journal';
import {reduceRun} from './reducer';
import type {StateMirror} from './state-mirror';
import type {Run, RunEventInput} from '../core/types';

/** STATE_DIR/runs/ holds the runs. */
const FOLDER = 'runs';

export function runsDir(stateDir: string): string {
	return path.join(stateDir, FOLDER);
}

export function runFiles(stateDir: string, runId: string) {
	const base = path.join(runsDir(stateDir), runId);
	return {journal: `${base}.json`, packerLog: `${base}.packer.log`, report: `${base}.report.md`};
}

/** The runs' journal: STATE_DIR/runs/RUN_ID.json. */
export class JournalStore extends JsonJournal<Run> {
	constructor(stateDir: string, mirror?: StateMirror) {
		super(
			{
				folder: FOLDER,
				entry: 'run',
				file: 'journal',
				recognises: run => Array.isArray(run.steps),
				// A journal of an older convox-ami may name a check by the id it had then.
				upgrade: run => ({...run, checks: (run.checks ?? []).map(check => ({...check, id: currentCheckId(check.id)}))}),
			},
			stateDir,
			mirror,
		);
	}

	/** Once the shared state holds every save so far: a side effect waits for the journal that announces it. */
	async journaled(): Promise<void> {
		await this.mirror?.settled();
	}

	/** Records an event in another run than the one being driven (a release learns of the rollback that undoes it), through the reducer. */
	async record(runId: string, input: RunEventInput): Promise<Run> {
		const run = reduceRun(await this.load(runId), {...input, runId, at: new Date().toISOString()});
		this.save(run);
		return run;
	}
}
