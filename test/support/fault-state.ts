import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import type {ImageRecord, StackRecord, StandInData} from '../../source/rehearsal/aws/model';
import type {Run} from '../../source/core/types';

/** The one run a case's state dir holds, read the way an operator's tools would: plain JSON, schema 1. */
export function readOnlyRun(stateDir: string): {run: Run; file: string} {
	const dir = path.join(stateDir, 'runs');
	const files = readdirSync(dir).filter(name => /^[\w-]+\.json$/.test(name));
	if (files.length !== 1) throw new Error(`expected one run in ${dir}, found ${files.join(', ') || 'none'}`);
	const file = path.join(dir, files[0]!);
	const run = JSON.parse(readFileSync(file, 'utf8')) as Run;
	if (run.schemaVersion !== 1) throw new Error(`${file} has schemaVersion ${String(run.schemaVersion)}`);
	return {run, file};
}

/** The rehearsal's AWS as the stand-in persisted it (STATE_DIR/rehearsal/aws.json). */
export function readAwsState(stateDir: string): StandInData {
	return JSON.parse(readFileSync(path.join(stateDir, 'rehearsal', 'aws.json'), 'utf8')) as StandInData;
}

export function stackOf(data: StandInData, stackName: string): StackRecord {
	const stack = data.stacks[stackName];
	if (!stack) throw new Error(`no stack ${stackName} in the stand-in state`);
	return stack;
}

/** Every update CloudFormation began on the stack: each opens with the stack's own UPDATE_IN_PROGRESS event. */
export function updatesBegun(stack: StackRecord): number {
	return stack.events.filter(event => event.logicalId === stack.stackName && event.status === 'UPDATE_IN_PROGRESS').length;
}

export function parameterOf(stack: StackRecord, key: string): string | undefined {
	return stack.parameters.find(parameter => parameter.key === key)?.value;
}

/** Images Packer registered for a run (the template tags each with ReleaseRun). */
export function imagesOfRun(data: StandInData, runId: string): ImageRecord[] {
	return data.images.filter(image => image.tags.ReleaseRun === runId);
}

export function reportOf(stateDir: string, runId: string): string | undefined {
	const file = path.join(stateDir, 'runs', `${runId}.report.md`);
	return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
