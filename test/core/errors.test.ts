import {describe, expect, it} from 'vitest';
import {errorName, errorText, UsageError} from '../../source/core/errors';

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

describe('errorName: the name an error carries, whatever was thrown', () => {
	it("is an Error's name, an AWS error's code-like name included", () => {
		expect(errorName(new TypeError('x'))).toBe('TypeError');
		expect(errorName(Object.assign(new Error('denied'), {name: 'AccessDeniedException'}))).toBe('AccessDeniedException');
		expect(errorName({name: 'ValidationError', message: 'Stack does not exist'})).toBe('ValidationError');
	});

	it("is '' for a thrown value without a name, so that a comparison or startsWith never throws", () => {
		expect(errorName('socket hang up')).toBe('');
		expect(errorName(undefined)).toBe('');
		expect(errorName(null)).toBe('');
		expect(errorName({name: 7})).toBe('');
	});
});
