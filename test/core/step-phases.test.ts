import {describe, expect, it} from 'vitest';
import {buildPhaseLabel, type StepPhase} from '../../source/core/step-phases';
import {stepVerbs} from '../../source/core/step';
import type {RunEventInput} from '../../source/core/types';

describe('step phases', () => {
	it("labels the build's phases for the pane, and shows an unknown phase (another version's event) as its id", () => {
		expect(buildPhaseLabel('key-pair')).toBe('key pair & security group');
		expect(buildPhaseLabel('copy-to-rack')).toBe("copy to the rack's region");
		expect(buildPhaseLabel('start')).toBe('start');
		expect(buildPhaseLabel('warp-drive')).toBe('warp-drive');
		expect(buildPhaseLabel('toString')).toBe('toString');
	});

	it('takes only a declared phase in `progress`, and puts it on the wire as a plain string', () => {
		const events: RunEventInput[] = [];
		const {progress} = stepVerbs('build', event => events.push(event));
		progress('wait-ami', 'Waiting for ami-1');
		// @ts-expect-error a typo is a type error, not a new phase on the screen
		progress('wait-amis');
		const phase: StepPhase = 'stack update';
		progress(phase);
		expect(JSON.parse(JSON.stringify(events))).toEqual([
			{type: 'progress', step: 'build', phase: 'wait-ami', activity: 'Waiting for ami-1'},
			{type: 'progress', step: 'build', phase: 'wait-amis'},
			{type: 'progress', step: 'build', phase: 'stack update'},
		]);
	});
});
