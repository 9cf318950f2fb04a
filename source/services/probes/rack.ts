import {parameterValue} from '../cloudformation/stack';
import {parseKeyValues, type ConvoxResult} from './convox-cli';
import {fail, pass, type ProbeOutcome} from './outcome';
import type {StackSnapshot} from '../../core/stack';

export interface RackTarget {
	convoxVersion: string;
	amiId: string;
	/** Stack statuses that count as settled for this run (UPDATE_COMPLETE after an update). */
	acceptedStatuses: string[];
}

/** `convox rack` must exit 0, say `running` and name the target version. `updating` may still settle. */
export function judgeConvoxRack(result: ConvoxResult, convoxVersion: string): ProbeOutcome {
	if (result.exitCode !== 0) return fail(result.problem);
	const fields = parseKeyValues(result.stdout);
	const status = fields.Status ?? '(none)';
	const version = fields.Version ?? '(none)';
	if (status !== 'running') return fail(`convox rack: Status ${status}, expected running`, status === 'updating');
	if (version !== convoxVersion) return fail(`convox rack: Version ${version}, expected ${convoxVersion}`);
	return pass(`convox rack: ${fields.Name ?? 'rack'} running ${version}${fields.Count ? `, ${fields.Count} instances` : ''}`);
}

/**
 * The stack itself, since `convox rack` says `running` after a rollback too: a settled status
 * this run accepts, and the released Ami and Version. An update still in progress may settle.
 */
export function judgeStack(stack: StackSnapshot, target: RackTarget): ProbeOutcome {
	const name = stack.stackName;
	if (!target.acceptedStatuses.includes(stack.status)) {
		const settling = stack.status.endsWith('_IN_PROGRESS') && !stack.status.includes('ROLLBACK');
		return fail(`stack ${name} is ${stack.status}, expected ${target.acceptedStatuses.join(' or ')}`, settling);
	}
	const amiId = parameterValue(stack, 'Ami');
	const version = parameterValue(stack, 'Version');
	const wrong = [
		amiId === target.amiId ? undefined : `Ami ${amiId || '(empty)'} (expected ${target.amiId || '(empty)'})`,
		version === target.convoxVersion ? undefined : `Version ${version || '(empty)'} (expected ${target.convoxVersion})`,
	].filter(Boolean);
	if (wrong.length > 0) return fail(`stack ${name} ${stack.status} but ${wrong.join(', ')}`);
	return pass(`stack ${name} ${stack.status}, Ami ${amiId || '(empty: the stock AMI)'}, Version ${version}`);
}

/** Both judgements together; on failure every failing part is named, retried only when each may still settle. */
export function judgeRack(convox: ProbeOutcome, stack: ProbeOutcome): ProbeOutcome {
	const failures = [stack, convox].filter(outcome => outcome.status === 'fail');
	if (failures.length === 0) return pass(`${convox.detail}; ${stack.detail}`);
	return fail(
		failures.map(outcome => outcome.detail).join('; '),
		failures.every(outcome => outcome.retryable),
	);
}
