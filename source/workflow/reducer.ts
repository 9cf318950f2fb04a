import type {CheckRecord, Run, RunEvent, StepRecord} from '../core/types';

const FINAL_STEP_STATUSES = new Set(['done', 'failed', 'skipped', 'waiting']);

function updateStep(run: Run, event: Extract<RunEvent, {type: 'step'}>): StepRecord[] {
	return run.steps.map(step => {
		if (step.id !== event.step) return step;
		const next: StepRecord = {...step, status: event.status, outputs: {...step.outputs, ...event.outputs}};
		if (event.status === 'running' && step.status !== 'running') {
			next.startedAt = event.at;
			next.attempts = step.attempts + 1;
			delete next.endedAt;
			delete next.error;
		}
		if (FINAL_STEP_STATUSES.has(event.status)) next.endedAt = event.at;
		if (event.error !== undefined) next.error = event.error;
		else if (event.status === 'done') delete next.error;
		return next;
	});
}

function mergeCheckpoint(run: Run, event: Extract<RunEvent, {type: 'checkpoint'}>): StepRecord[] {
	return run.steps.map(step => (step.id === event.step ? {...step, outputs: {...step.outputs, ...event.outputs}} : step));
}

function updateCheck(run: Run, event: Extract<RunEvent, {type: 'check'}>): CheckRecord[] {
	const existing = run.checks.find(check => check.id === event.id);
	const base: CheckRecord = existing ?? {
		id: event.id,
		title: event.title ?? event.id,
		kind: event.kind,
		status: 'pending',
		detail: '',
		required: event.required ?? true,
		attempts: 0,
		notes: [],
	};
	const next: CheckRecord = {
		...base,
		title: event.title ?? base.title,
		kind: event.kind,
		status: event.status,
		detail: event.detail,
		required: event.required ?? base.required,
		notes: event.note ? [...base.notes, event.note] : base.notes,
	};
	if (event.fault) next.fault = event.fault;
	else delete next.fault;
	if (event.status === 'running' && base.status !== 'running') {
		next.startedAt = event.at;
		next.attempts = base.attempts + 1;
		delete next.endedAt;
	}
	if (event.status !== 'running' && event.status !== 'pending') next.endedAt = event.at;
	return existing ? run.checks.map(check => (check.id === event.id ? next : check)) : [...run.checks, next];
}

/** The run after one event. Pure: the journal stores its result, renderers may replay it. */
export function reduceRun(run: Run, event: RunEvent): Run {
	switch (event.type) {
		case 'run': {
			const status = event.status === 'started' || event.status === 'resumed' ? 'running' : event.status;
			const history = event.message ? [...run.history, {at: event.at, message: event.message}] : run.history;
			return {...run, status, history, updatedAt: event.at};
		}
		case 'step':
			return {...run, steps: updateStep(run, event), updatedAt: event.at};
		case 'checkpoint':
			return {...run, steps: mergeCheckpoint(run, event), updatedAt: event.at};
		case 'check':
			return {...run, checks: updateCheck(run, event), updatedAt: event.at};
		case 'history':
			return {...run, history: [...run.history, {at: event.at, message: event.message}], updatedAt: event.at};
		case 'notice':
			return event.level === 'warn'
				? {...run, history: [...run.history, {at: event.at, message: event.message}], updatedAt: event.at}
				: run;
		default:
			return run;
	}
}

/** Events whose effect must survive a crash: the journal is written after each of them. */
export function isJournaled(event: RunEvent): boolean {
	return (
		event.type === 'run' ||
		event.type === 'step' ||
		event.type === 'checkpoint' ||
		event.type === 'check' ||
		event.type === 'history' ||
		(event.type === 'notice' && event.level === 'warn')
	);
}
