import {describe, expect, it} from 'vitest';
import {modelOfFlags, runModeOf, storedMode} from '../../source/core/run-mode';
import type {RunMode} from '../../source/core/types';

describe('runModeOf', () => {
	it('derives one model from the stored mode and options.dryRun, as journals have them', () => {
		const cases: Array<[RunMode, boolean, ReturnType<typeof runModeOf>]> = [
			['live', false, {world: 'live', readOnly: false}],
			['dry-run', true, {world: 'live', readOnly: true}],
			['dry-run', false, {world: 'live', readOnly: true}],
			['rehearsal', false, {world: 'rehearsal', readOnly: false}],
			['rehearsal', true, {world: 'rehearsal', readOnly: true}],
		];
		for (const [mode, dryRun, model] of cases) expect(runModeOf({mode, options: {dryRun}}), `${mode} dryRun=${dryRun}`).toEqual(model);
	});

	it('stores a model as the journal and the run event name it, and reads the flags the same way', () => {
		expect(storedMode({world: 'live', readOnly: false})).toBe('live');
		expect(storedMode({world: 'live', readOnly: true})).toBe('dry-run');
		expect(storedMode({world: 'rehearsal', readOnly: true})).toBe('rehearsal');
		expect(modelOfFlags({rehearse: true, dryRun: true})).toEqual({world: 'rehearsal', readOnly: true});
		expect(modelOfFlags({rehearse: false, dryRun: false})).toEqual({world: 'live', readOnly: false});
		for (const model of [
			{world: 'live', readOnly: false},
			{world: 'live', readOnly: true},
			{world: 'rehearsal', readOnly: true},
		] as const) {
			expect(runModeOf({mode: storedMode(model), options: {dryRun: model.readOnly}})).toEqual(model);
		}
	});
});
