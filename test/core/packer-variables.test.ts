import {describe, expect, it} from 'vitest';
import {optionalVariables} from '../../source/core/packer-variables';

describe('optionalVariables', () => {
	it('passes instance_type and metrics_backend only to a template that declares them', () => {
		const values = {instanceType: 't4g.large', metricsBackend: 'librato'} as const;
		expect(optionalVariables(['source_ami', 'instance_type', 'metrics_backend'], values)).toEqual({
			instance_type: 't4g.large',
			metrics_backend: 'librato',
		});
		expect(optionalVariables(['source_ami', 'metrics_backend'], values)).toEqual({metrics_backend: 'librato'});
		expect(optionalVariables(['source_ami'], values)).toEqual({});
		expect(optionalVariables(undefined, values)).toEqual({});
	});

	it('leaves a declared variable to the template default when no value is given', () => {
		expect(optionalVariables(['instance_type', 'metrics_backend'], {instanceType: 't3.large'})).toEqual({instance_type: 't3.large'});
		expect(optionalVariables(['instance_type', 'metrics_backend'], {})).toEqual({});
	});
});
