import type {Run, RunEvent} from '../../core/types';
import {STEP_TITLES, type EventSink} from '../../core/types';
import {runBadges, stepDuration} from '../format';
import {formatDuration, timeOfDay} from '../../core/format-duration';

const STATUS_MARK: Record<string, string> = {
	running: '▸',
	done: '✔',
	failed: '✖',
	skipped: '–',
	waiting: '…',
	pending: '·',
	pass: '✔',
	fail: '✖',
};

function line(event: RunEvent, run: Run, lastPhase: Map<string, string>): string | undefined {
	const tag = runBadges(run)
		.map(badge => ` [${badge}]`)
		.join('');
	switch (event.type) {
		case 'run':
			if (event.status === 'started' || event.status === 'resumed') {
				return `convox-ami ${run.kind} · ${run.env} · ${run.options.region} · run ${run.id}${tag}${event.status === 'resumed' ? ' (resumed)' : ''}${event.message ? `\n  ${event.message}` : ''}`;
			}
			return `run ${run.id} ${event.status}${tag}`;
		case 'step': {
			const title = `${event.step} (${STEP_TITLES[event.step] ?? event.step})`;
			if (event.status === 'running') return `${STATUS_MARK.running} ${title}${tag}`;
			const record = run.steps.find(step => step.id === event.step);
			const took = record ? stepDuration(record) : undefined;
			return `${STATUS_MARK[event.status] ?? ' '} ${title} ${event.status}${took === undefined ? '' : ` in ${formatDuration(took)}`}${event.error ? `: ${event.error}` : ''}`;
		}
		case 'notice':
			return `  ${event.level === 'warn' ? '! ' : ''}${event.message}`;
		case 'log':
			return `  │ ${event.line}`;
		case 'progress': {
			const key = `${event.step}:${event.phase}`;
			if (lastPhase.get(event.step) === key) return undefined;
			lastPhase.set(event.step, key);
			return `  ${event.step} phase: ${event.phase}${event.activity ? ` (${event.activity})` : ''}`;
		}
		case 'stack-event':
			return `  stack ${timeOfDay(event.timestamp)} ${event.resource} ${event.status}${event.reason ? ` ${event.reason}` : ''}`;
		case 'change-set':
			return [
				`  change set ${event.changeSetName} for ${event.stackName}:`,
				...event.parameters.map(
					parameter =>
						`    ${parameter.key}: ${parameter.masked ? '****' : (parameter.old ?? '(none)')} → ${parameter.masked ? '****' : (parameter.new ?? '(none)')}`,
				),
				...event.changes.map(
					change =>
						`    ${change.action} ${change.logicalId} (${change.resourceType})${change.replacement === 'True' ? ' REPLACED' : change.replacement === 'Conditional' ? ' may be replaced' : ''}`,
				),
				...(event.dropped.length > 0 ? [`    dropped parameters: ${event.dropped.join(', ')}`] : []),
			].join('\n');
		case 'check':
			if (event.status === 'pending') return undefined;
			return `  check ${event.id} ${event.status}${event.detail ? ` — ${event.detail}` : ''}${event.note ? ` (note: ${event.note})` : ''}`;
		case 'error':
			return `✖ ${event.step ?? 'run'}: ${event.message}`;
	}
}

/** Plain lines for pipes and CI, one per fact. */
export function createPlainReporter(write: (text: string) => void = text => process.stdout.write(text)): EventSink {
	const lastPhase = new Map<string, string>();
	return (event, run) => {
		const text = line(event, run, lastPhase);
		if (text !== undefined) write(`${text}\n`);
	};
}
