import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {Clock} from '../../../source/ui/ink/clock';

describe('the screen clock', () => {
	beforeEach(() => {
		vi.useFakeTimers({now: 1_000_000});
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it('ticks only while something listens, with the time of each tick', () => {
		const clock = new Clock(1000);
		expect(vi.getTimerCount()).toBe(0);
		const seen: number[] = [];
		const unsubscribe = clock.subscribe(() => seen.push(clock.getNow()));
		vi.advanceTimersByTime(3500);
		expect(seen).toEqual([1_001_000, 1_002_000, 1_003_000]);
		expect(clock.getTicks()).toBe(3);
		unsubscribe();
		expect(vi.getTimerCount()).toBe(0);
		vi.advanceTimersByTime(5000);
		expect(clock.getTicks()).toBe(3);
	});

	it('one timer for every listener', () => {
		const clock = new Clock(1000);
		const counts = {first: 0, second: 0};
		const first = clock.subscribe(() => counts.first++);
		clock.subscribe(() => counts.second++);
		expect(vi.getTimerCount()).toBe(1);
		vi.advanceTimersByTime(2000);
		first();
		vi.advanceTimersByTime(1000);
		expect(counts).toEqual({first: 2, second: 3});
		expect(vi.getTimerCount()).toBe(1);
	});

	it('starts from the time it is first listened to, not from when it was made', () => {
		const clock = new Clock(1000);
		vi.advanceTimersByTime(60_000);
		clock.subscribe(() => undefined);
		expect(clock.getNow()).toBe(1_060_000);
	});

	it('advances at once with a frame drawn for another reason, and then waits a whole interval', () => {
		const clock = new Clock(1000);
		let ticks = 0;
		clock.subscribe(() => ticks++);
		vi.advanceTimersByTime(900);
		clock.advance();
		expect(ticks).toBe(1);
		expect(clock.getNow()).toBe(1_000_900);
		vi.advanceTimersByTime(999);
		expect(ticks).toBe(1);
		vi.advanceTimersByTime(1);
		expect(ticks).toBe(2);
	});

	it('does not advance when nothing shows the time', () => {
		const clock = new Clock(1000);
		clock.advance();
		expect(clock.getTicks()).toBe(0);
		expect(vi.getTimerCount()).toBe(0);
	});

	it('hands each interval to onInterval, which decides how the screen moves', () => {
		let intervals = 0;
		const clock: Clock = new Clock(1000, () => {
			intervals++;
			if (intervals % 2 === 0) clock.advance();
		});
		clock.subscribe(() => undefined);
		vi.advanceTimersByTime(4000);
		expect(intervals).toBe(4);
		expect(clock.getTicks()).toBe(2);
	});
});
