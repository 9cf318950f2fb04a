import {describe, expect, it} from 'vitest';
import {errorText, UsageError} from '../../source/core/errors';

describe('errorText: what an error says, whatever was thrown', () => {
	it("is an Error's message, a subclass's included", () => {
		expect(errorText(new Error('disk full'))).toBe('disk full');
		expect(errorText(new UsageError('bad flag', 'use --env'))).toBe('bad flag');
	});

	it('is the message of an error-like object that is not an Error (a DOM or SDK shape)', () => {
		expect(errorText({name: 'AbortError', message: 'The operation was aborted'})).toBe('The operation was aborted');
	});

	it('is the thrown value as text otherwise, never "undefined" for a thrown string', () => {
		expect(errorText('socket hang up')).toBe('socket hang up');
		expect(errorText(42)).toBe('42');
		expect(errorText(undefined)).toBe('undefined');
		expect(errorText({message: 7})).toBe('[object Object]');
	});
});
