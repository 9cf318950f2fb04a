import {InterruptedError, MissingInputError, errorText} from '../core/errors';
import type {Prompter} from '../core/prompter';
import type {CheckRecord, CheckStatus, RunEventInput} from '../core/types';
import type {CheckFault} from '../core/check-faults';
import type {AutoItem, ChecklistItem, ManualItem} from './item';
import {askFollowUp, askManual, askNote, askReason} from './prompts';

export type CheckEvent = Extract<RunEventInput, {type: 'check'}>;

export interface ChecklistOptions {
	items: ChecklistItem[];
	prompt: Prompter;
	emit(event: CheckEvent): void;
	/** `--yes`: nobody is asked; a manual item not named in `confirmed` waits. */
	yes: boolean;
	/** Manual item ids confirmed with `--confirm ID`. */
	confirmed: readonly string[];
	/** Results of an earlier attempt of this step: items that passed or were skipped are not run again. */
	previous: readonly CheckRecord[];
	/** The rack runs the stock AMI (why, e.g. a rollback to it): items that need our AMI are skipped, saying so. */
	onStockAmi?: {because: string};
	signal: AbortSignal;
}

export interface ChecklistResult {
	id: string;
	title: string;
	required: boolean;
	status: Extract<CheckStatus, 'pass' | 'fail' | 'skipped' | 'waiting'>;
	detail: string;
	/** On a failure: `backend` when the monitoring service, not the release, is at fault. */
	fault?: CheckFault;
	/** Taken from an earlier attempt instead of being run again. */
	reused: boolean;
}

export interface ChecklistSummary {
	results: ChecklistResult[];
	passed: string[];
	failed: string[];
	skipped: string[];
	waiting: string[];
}

/** The question and its link, so that every front-end (plain, JSON, Ink) shows where to look. */
const withLink = (item: ManualItem) => (item.link ? `${item.question} ${item.link}` : item.question);

type Settled = Pick<ChecklistResult, 'status' | 'detail' | 'fault'> & {note?: string};

/**
 * Runs the checklist: automated items all at once, manual items asked one at a time while those
 * run, and every question (manual answers, retry / skip / note on a failure) through one queue so
 * that two never compete for the terminal.
 */
export async function runChecklist(options: ChecklistOptions): Promise<ChecklistSummary> {
	const {prompt, signal} = options;
	const canAsk = prompt.interactive && !options.yes;
	let queue: Promise<unknown> = Promise.resolve();
	const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
		const next = queue.then(task);
		queue = next.catch(() => undefined);
		return next;
	};

	/** Why the item cannot pass on this rack, so it is skipped instead of run. */
	const notApplicable = (item: ChecklistItem): Settled | undefined =>
		options.onStockAmi && item.needsCustomAmi
			? {status: 'skipped', detail: `the stock AMI ships no ${item.needsCustomAmi.installs}: ${options.onStockAmi.because}`}
			: undefined;

	const kept = (item: ChecklistItem) =>
		options.previous.find(record => record.id === item.id && (record.status === 'pass' || record.status === 'skipped'));

	const emit = (item: ChecklistItem, status: CheckStatus, detail: string, note?: string, fault?: CheckFault) =>
		options.emit({
			type: 'check',
			id: item.id,
			kind: item.kind,
			title: item.title,
			required: item.required,
			status,
			detail,
			...(note ? {note} : {}),
			...(fault ? {fault} : {}),
		});

	const settleAuto = async (item: AutoItem): Promise<Settled> => {
		emit(item, 'running', 'running');
		try {
			const outcome = await item.probe(signal, detail => emit(item, 'running', detail));
			return {
				status: outcome.status,
				detail: outcome.detail,
				...(outcome.status === 'fail' && outcome.fault ? {fault: outcome.fault} : {}),
			};
		} catch (error) {
			signal.throwIfAborted();
			return {status: 'fail', detail: errorText(error)};
		}
	};

	const settleManual = async (item: ManualItem): Promise<Settled> => {
		if (options.confirmed.includes(item.id)) return {status: 'pass', detail: `confirmed with --confirm ${item.id}`};
		if (options.yes) return {status: 'waiting', detail: `waiting for confirmation (--confirm ${item.id}): ${withLink(item)}`};
		return exclusive(async () => {
			signal.throwIfAborted();
			emit(item, 'running', `asking: ${withLink(item)}`);
			try {
				const answer = await askManual(prompt, item);
				if (answer === 'yes') return {status: 'pass', detail: 'confirmed by the operator'};
				if (answer === 'no') return {status: 'fail', detail: 'the operator answered no'};
				const reason = await askReason(prompt, item.title, `--confirm ${item.id}`);
				return {status: 'skipped', detail: 'skipped by the operator', note: `Skipped: ${reason}`};
			} catch (error) {
				if (error instanceof MissingInputError) emit(item, 'waiting', `nobody can answer here: pass --confirm ${item.id}`);
				throw error;
			}
		});
	};

	/** After a failure: retry, skip with a reason, add notes, or leave it failed. */
	const followUp = (item: ChecklistItem, failed: Settled): Promise<Settled | 'retry'> =>
		exclusive(async () => {
			for (;;) {
				signal.throwIfAborted();
				const choice = await askFollowUp(prompt, item.title, failed.detail);
				if (choice === 'retry') return 'retry';
				if (choice === 'leave') return failed;
				if (choice === 'note') {
					emit(item, failed.status, failed.detail, await askNote(prompt, item.title));
					continue;
				}
				const reason = await askReason(prompt, item.title, '--yes');
				const skipped: Settled = {status: 'skipped', detail: failed.detail, note: `Skipped: ${reason}`};
				emit(item, skipped.status, skipped.detail, skipped.note);
				return skipped;
			}
		});

	const settle = async (item: ChecklistItem): Promise<ChecklistResult> => {
		const result = (settled: Settled, reused = false): ChecklistResult => ({
			id: item.id,
			title: item.title,
			required: item.required,
			status: settled.status,
			detail: settled.detail,
			...(settled.fault ? {fault: settled.fault} : {}),
			reused,
		});
		const earlier = kept(item);
		if (earlier) return result({status: earlier.status as Settled['status'], detail: earlier.detail}, true);
		const skipped = notApplicable(item);
		if (skipped) {
			emit(item, skipped.status, skipped.detail);
			return result(skipped);
		}
		for (;;) {
			const settled = item.kind === 'auto' ? await settleAuto(item) : await settleManual(item);
			emit(item, settled.status, settled.detail, settled.note, settled.fault);
			if (settled.status !== 'fail' || !canAsk) return result(settled);
			const next = await followUp(item, settled);
			if (next !== 'retry') return result(next);
		}
	};

	for (const item of options.items) {
		if (!kept(item) && !notApplicable(item)) emit(item, 'pending', item.kind === 'auto' ? 'queued' : 'to be confirmed');
	}
	const outcomes = await Promise.allSettled(options.items.map(settle));
	const rejected = outcomes.find(outcome => outcome.status === 'rejected');
	if (rejected) {
		if (signal.aborted)
			throw new InterruptedError('Interrupted during the checklist.', 'Run `convox-ami resume` to finish the remaining checks.');
		throw rejected.reason;
	}
	const results = outcomes.map(outcome => (outcome as PromiseFulfilledResult<ChecklistResult>).value);
	const ids = (status: ChecklistResult['status']) => results.filter(result => result.status === status).map(result => result.id);
	return {results, passed: ids('pass'), failed: ids('fail'), skipped: ids('skipped'), waiting: ids('waiting')};
}
