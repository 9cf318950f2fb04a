import type {StepTable} from '../core/step';

/** Every step this version of convox-ami can run, loaded when a run starts. */
export async function stepRegistry(): Promise<StepTable> {
	const [{accountStep}, {resolveVersionStep}, {templateStep}, {buildStep}, {createUpdateStackStep}, {verifyStep}] = await Promise.all([
		import('./account'),
		import('./resolve-version'),
		import('./template'),
		import('./build'),
		import('./update-stack'),
		import('./verify'),
	]);
	return {
		account: accountStep,
		'resolve-version': resolveVersionStep,
		template: templateStep,
		build: buildStep,
		'update-stack': createUpdateStackStep(),
		verify: verifyStep,
	};
}
