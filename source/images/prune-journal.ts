import {mkdir, readdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import {replaceFileSync} from '../core/atomic-file';
import {UsageError, errorText} from '../core/errors';
import type {PruneAction, PruneEntry} from './prune-plan';

export type PruneStepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** One call of a prune: its status is journaled before the call (`running`) and after it. */
export interface PruneStep {
	accountId: string;
	region: string;
	imageId: string;
	action: PruneAction;
	status: PruneStepStatus;
	/** Why it failed or was skipped, or that it was found done. */
	detail?: string;
	at?: string;
}

/** STATE_DIR/prunes/PRUNE_ID.json: the confirmed plan's calls, replaced atomically at every change. */
export interface PruneJournal {
	schema: 1;
	id: string;
	world: 'live' | 'rehearsal';
	/** `--env NAME`, `--fleet NAME` or `every account`: a prune continues only under the same selection. */
	selection: string;
	keep: number;
	minAgeDays: number;
	startedAt: string;
	status: 'running' | 'finished';
	finishedAt?: string;
	steps: PruneStep[];
}

function prunesDir(stateDir: string): string {
	return path.join(stateDir, 'prunes');
}

function fileOf(stateDir: string, id: string): string {
	return path.join(prunesDir(stateDir), `${id}.json`);
}

export function newPruneId(now: Date): string {
	const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
	return `prune-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export function pruneSteps(plan: PruneEntry[]): PruneStep[] {
	return plan.flatMap(entry =>
		entry.next
			? [{accountId: entry.accountId, region: entry.region, imageId: entry.imageId, action: entry.next, status: 'pending' as const}]
			: [],
	);
}

/** Synchronous on purpose: when a call is about to be made or was made, the journal says so on disk. */
export function savePrune(stateDir: string, journal: PruneJournal): void {
	replaceFileSync(fileOf(stateDir, journal.id), `${JSON.stringify(journal, null, 2)}\n`);
}

export async function ensurePrunesDir(stateDir: string): Promise<void> {
	try {
		await mkdir(prunesDir(stateDir), {recursive: true});
	} catch (error) {
		throw new UsageError(
			`The state dir ${stateDir} cannot be used: ${errorText(error)}`,
			'Pass --state-dir DIR with a folder you can write.',
		);
	}
}

/** The prune of this world that a kill or a crash left unfinished, if any (the newest). */
export async function unfinishedPrune(stateDir: string, world: PruneJournal['world']): Promise<PruneJournal | undefined> {
	let files: string[];
	try {
		files = await readdir(prunesDir(stateDir));
	} catch {
		return undefined;
	}
	const journals: PruneJournal[] = [];
	for (const file of files.filter(name => name.endsWith('.json')).sort()) {
		const text = await readFile(path.join(prunesDir(stateDir), file), 'utf8');
		let journal: PruneJournal;
		try {
			journal = JSON.parse(text) as PruneJournal;
		} catch {
			throw new UsageError(`${path.join(prunesDir(stateDir), file)} is not a prune journal.`, 'Move it out of the prunes folder.');
		}
		if (journal.status === 'running' && journal.world === world) journals.push(journal);
	}
	return journals.at(-1);
}
