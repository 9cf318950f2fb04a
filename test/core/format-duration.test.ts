import {describe, expect, it} from 'vitest';
import {formatAge, formatDuration, timeOfDay} from '../../source/core/format-duration';

describe('times for people', () => {
	it('formats a duration by its size', () => {
		expect([840, 12_300, 245_000, 3_720_000].map(formatDuration)).toEqual(['840 ms', '12.3 s', '4m05s', '1h02m']);
	});

	it('gives an age to the second', () => {
		expect(formatAge('2026-11-25T01:00:00.000Z', Date.parse('2026-11-25T01:00:55.400Z'))).toBe('55s');
		expect(formatAge('2026-11-25T01:00:00.000Z', Date.parse('2026-11-25T01:03:05.000Z'))).toBe('3m05s');
	});

	it('gives an event’s time of day in UTC whatever its offset, and a timestamp that is no date as it came', () => {
		expect(timeOfDay('2026-11-25T01:00:20.123Z')).toBe('01:00:20');
		expect(timeOfDay('2026-11-25T02:00:20+01:00')).toBe('01:00:20');
		expect(timeOfDay('not a date at all')).toBe('not a da');
		expect(timeOfDay('')).toBe('');
	});
});
