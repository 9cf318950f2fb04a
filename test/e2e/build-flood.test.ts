import {PROMPT_READY} from '../support/ink-prompt';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createChecklistWorld, type ChecklistWorld} from '../support/checklist-e2e-world';
import {runInPty} from '../support/pty';

let world: ChecklistWorld | undefined;
afterEach(async () => {
	await world?.close();
	world = undefined;
});

const LINES = 50_000;
const ROWS = 40;
const HEADER = 'convox-ami release · dev';

/** Peak resident set size of a process in kB, from /proc (Linux). */
async function peakRssKb(pid: number): Promise<number> {
	const status = await readFile(`/proc/${pid}/status`, 'utf8');
	return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
}

describe('a build that floods the terminal, in a real pseudo-terminal', () => {
	it('keeps the screen bounded, shows the tail and the phases, logs every line, and stays small', async () => {
		world = await createChecklistWorld({released: false, extraEnv: {FAKE_PACKER_FLOOD_LINES: String(LINES), FAKE_PACKER_HOLD_MS: '2000'}});
		const env = {...world.env};
		delete env.CI;
		const started = Date.now();
		const session = runInPty(['release', '--env', 'dev', '--confirm', 'sumologic'], {cwd: world.dir, env, rows: ROWS});

		// The whole xterm buffer, scrollback included, sampled all along: Ink redrawing a frame taller
		// than the terminal would push copies of the live frame (and of Packer lines) into it.
		let tallest = 0;
		let mostFloodLines = 0;
		let mostHeaders = 0;
		const sample = () => {
			const buffer = session.screen();
			tallest = Math.max(tallest, buffer.split('\n').length);
			mostFloodLines = Math.max(mostFloodLines, buffer.match(/flood \d+ of \d+/g)?.length ?? 0);
			mostHeaders = Math.max(mostHeaders, buffer.split(HEADER).length - 1);
		};
		const sampler = setInterval(sample, 100);
		try {
			const holding = await session.waitFor(`flood ${LINES} of ${LINES}: yum, collectd, jq`, 60_000);
			const floodedIn = Date.now() - started;
			sample();
			expect(holding).toMatch(/▸ provision \d/);
			expect(holding).toMatch(/✔ prevalidate .*✔ launch/);
			expect(holding).toContain(`flood ${LINES - 1} of ${LINES}`);
			expect(holding).toMatch(/Log: .*\.packer\.log/);
			expect(floodedIn).toBeLessThan(45_000);

			// The change-set question comes after the build: the peak so far covers all of it.
			await session.waitFor(new RegExp(`y/N[^]*${PROMPT_READY}`), 30_000);
			const peakKb = await peakRssKb(session.pid);
			expect(peakKb).toBeGreaterThan(0);
			expect(peakKb).toBeLessThan(300 * 1024);
			session.write('y');
			expect(await session.exited).toBe(0);
		} finally {
			clearInterval(sampler);
			session.kill('SIGKILL');
		}
		sample();
		expect(session.screen()).toContain('✔ Finished');
		expect(mostHeaders).toBe(1);
		expect(mostFloodLines).toBeGreaterThan(0);
		expect(mostFloodLines).toBeLessThanOrEqual(10);
		expect(tallest).toBeLessThan(3 * ROWS);

		const runId = /runs\/(\S+)\.json/.exec(session.screen())?.[1];
		const log = await readFile(path.join(world.stateDir, 'runs', `${String(runId)}.packer.log`), 'utf8');
		const flooded = log.match(/flood \d+ of 50000: yum, collectd, jq$/gm) ?? [];
		expect(flooded).toHaveLength(LINES);
		expect(flooded[0]).toBe(`flood 00001 of ${LINES}: yum, collectd, jq`);
		expect(flooded.at(-1)).toBe(`flood ${LINES} of ${LINES}: yum, collectd, jq`);
		expect(log).toMatch(/AMIs were created/);
	}, 120_000);
});
