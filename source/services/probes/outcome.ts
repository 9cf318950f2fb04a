import type {CheckFault} from '../../core/check-faults';

/** A probe's judgement of one attempt. `retryable` outcomes are tried again until the deadline. */
export interface ProbeOutcome {
	status: 'pass' | 'fail';
	detail: string;
	retryable?: boolean;
	/** Who a failure lies with: `backend` when the monitoring service, not the release, is at fault (no rollback would help). */
	fault?: CheckFault;
}

export const pass = (detail: string): ProbeOutcome => ({status: 'pass', detail});
export const fail = (detail: string, retryable = false): ProbeOutcome => ({status: 'fail', detail, retryable});
/** The monitoring service cannot answer at all: fails at once, and a rollback would not help. */
export const backendGone = (detail: string): ProbeOutcome => ({status: 'fail', detail, retryable: false, fault: 'backend'});

/** The last lines of a program's output, short enough for a check's detail. */
export function excerpt(text: string, maxLines = 3, maxChars = 240): string {
	const lines = text
		.split(/\r?\n/)
		.map(line => line.trimEnd())
		.filter(line => line.trim() !== '');
	const tail = lines.slice(-maxLines).join(' | ');
	return tail.length > maxChars ? `…${tail.slice(-maxChars)}` : tail;
}
