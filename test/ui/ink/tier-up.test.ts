import {execFileSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';

const tierUp = new URL('../../../source/ui/ink/tier-up.ts', import.meta.url).href;

/**
 * How many calls of a frame-sized function V8 runs before TurboFan has compiled it, with or without
 * `tierUpLater`. V8 counts bytecodes, not time; compiling on the main thread
 * (`--no-concurrent-recompilation`) makes the count exact.
 */
function callsBeforeTurboFan(later: boolean): number {
	const script = path.join(mkdtempSync(path.join(os.tmpdir(), 'convox-ami-tier-up-')), 'frames.mjs');
	writeFileSync(
		script,
		`import {tierUpLater} from ${JSON.stringify(tierUp)};
		${later ? 'tierUpLater();' : ''}
		const status = new Function('f', 'return %GetOptimizationStatus(f)');
		function frame(rows) { let text = ''; for (const row of rows) text += row.padEnd(20) + '|'; return text.length; }
		const rows = Array.from({length: 30}, (_, index) => 'row ' + index);
		let calls = 0;
		// Bit 6 of V8's optimization status: TurboFan code.
		for (; calls < 5000; calls++) { frame(rows); if (status(frame) & 64) break; }
		console.log(calls);`,
	);
	const output = execFileSync(process.execPath, ['--import', 'tsx', '--allow-natives-syntax', '--no-concurrent-recompilation', script], {
		encoding: 'utf8',
	});
	return Number(output.trim());
}

describe('tierUpLater', () => {
	it('leaves code that runs once a frame out of TurboFan for longer, and a hot loop still gets there', () => {
		const usual = callsBeforeTurboFan(false);
		const later = callsBeforeTurboFan(true);
		// About two minutes of frames at one a second: V8 alone has compiled it by then, not with tierUpLater.
		expect(usual).toBeLessThan(120 * 2);
		expect(later).toBeGreaterThan(120 * 4);
		expect(later).toBeLessThan(5000);
	}, 60_000);
});
