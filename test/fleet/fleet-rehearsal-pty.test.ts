import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {FleetRun} from '../../source/workflow/fleet/fleet-journal';
import {PROMPT_READY} from '../support/ink-prompt';
import {runInPty, type PtySession} from '../support/pty';

const DOWN = '\u001B[B';
const ENTER = '\r';
const ESC = '\u001B';
const CASE_TIMEOUT_MS = 120_000;

let session: PtySession | undefined;
const dirs: string[] = [];
afterEach(async () => {
	if (session) {
		session.kill();
		await session.exited;
	}
	session = undefined;
	for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
});

/**
 * The demo fleet with its clocks turned down, on the Ink screen of a real terminal. Its first 7
 * racks make two waves: the three dev canaries, then three dev racks with prod-us-1 (a production
 * wave: the fleet's name is typed, prefilled by the rehearsal).
 */
function rehearseFleet(racks: number, extra: NodeJS.ProcessEnv = {}): {session: PtySession; dir: string} {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-fleet-pty-'));
	dirs.push(dir);
	const env: NodeJS.ProcessEnv = {
		PATH: process.env.PATH,
		HOME: dir,
		LANG: 'C.UTF-8',
		CONVOX_AMI_REHEARSAL_FLEET_RACKS: String(racks),
		CONVOX_AMI_REHEARSAL_PACKER: 'replay',
		CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '1',
		CONVOX_AMI_REHEARSAL_TICK_MS: '20',
		CONVOX_AMI_REHEARSAL_CHANGE_SET_MS: '200',
		CONVOX_AMI_REHEARSAL_COPY_MS: '500',
		CONVOX_AMI_STACK_POLL_MS: '250',
		CONVOX_AMI_CLOUDFORMATION_RATE: '100',
		CONVOX_AMI_PROBE_TIMEOUT: '20',
		...extra,
	};
	session = runInPty(['release', '--rehearse', '--fleet', 'demo', '--confirm', 'sumologic'], {cwd: dir, env, rows: 50, cols: 120});
	return {session, dir};
}

/** The open prompt's box, or undefined. */
function promptOf(screen: string): string | undefined {
	return screen.includes('╭') ? screen.slice(screen.lastIndexOf('╭')) : undefined;
}

/** Answers each new prompt as `answer` says (undefined: not yet), and records what it was asked. */
function answerPrompts(pty: PtySession, answer: (box: string) => string | undefined): {asked: string[]; stop(): void} {
	const asked: string[] = [];
	let last = '';
	const timer = setInterval(() => {
		const box = promptOf(pty.screen());
		if (!box?.includes(PROMPT_READY) || box === last) return;
		const key = answer(box);
		if (key === undefined) return;
		last = box;
		asked.push(box);
		pty.write(key);
	}, 150);
	return {asked, stop: () => clearInterval(timer)};
}

async function exitOf(pty: PtySession, timeoutMs: number): Promise<number> {
	return Promise.race([
		pty.exited,
		new Promise<number>((_resolve, reject) => setTimeout(() => reject(new Error(`no exit; screen:\n${pty.screen()}`)), timeoutMs)),
	]);
}

/** Opens the second rack (dev-eu-1) with ↓ and Enter while the fleet is still building, long before any prompt. */
async function openSecondRack(pty: PtySession): Promise<void> {
	await pty.waitFor(/ {2}RACK\s+ACCOUNT/, 20_000);
	expect(promptOf(pty.screen())).toBeUndefined();
	expect(pty.screen()).toContain('↑↓ choose a rack · Enter open its panes');
	pty.write(DOWN);
	await pty.waitFor(/▸ dev-eu-1 /);
	pty.write(ENTER);
	await pty.waitFor(/^dev-eu-1 /m);
	expect(pty.screen()).not.toMatch(/RACK\s+ACCOUNT/);
	expect(pty.screen()).toContain('Esc or Enter back to the fleet table');
}

function readFleet(dir: string): FleetRun {
	const fleets = path.join(dir, '.convox-ami', 'fleets');
	const file = readdirSync(fleets).find(name => name.endsWith('.json'))!;
	return JSON.parse(readFileSync(path.join(fleets, file), 'utf8')) as FleetRun;
}

describe('the fleet rehearsal on the Ink screen of a real terminal', () => {
	it(
		'confirms each wave (the production one by its prefilled name, with Enter) while a rack’s panes are opened and closed with ↓, Enter and Esc',
		async () => {
			const {session: pty, dir} = rehearseFleet(7);
			let firstWave = false;
			const prompts = answerPrompts(pty, box => {
				if (box.includes('of wave 1 of fleet demo?') && !firstWave) return undefined;
				return /y\/N|Y\/n/.test(box) ? 'y' : ENTER;
			});
			try {
				await openSecondRack(pty);
				// The rack's own run fills its panes as it goes: its header, its steps, then its change set, held for the wave's question.
				await pty.waitFor(/^dev-eu-1 +release · dev-eu-1 · eu-west-1 · \S+-dev-eu-1-\w+ +REHEARSAL/m, 20_000);
				await pty.waitFor('Execute the 3 change set(s) of wave 1 of fleet demo?', 20_000);
				let screen = await pty.waitFor(PROMPT_READY, 20_000);
				expect(screen).toMatch(/✔ Account/);
				expect(screen).toMatch(/Change set convox-ami-\S+ on convox-dev-eu-1/);
				expect(screen).toMatch(/Ami: "" → ami-\w+/);
				expect(screen).toContain('↑↓ choose · Enter answer');
				firstWave = true;
				// Once it goes, the same pane follows the stack update's events.
				await pty.waitFor(/UPDATE_[A-Z_]+ · \d+ finished, \d+ in change, \d+ failed/, 20_000);
				screen = pty.screen();
				expect(screen).toMatch(/^dev-eu-1 /m);
				expect(screen).toContain('Esc or Enter back to the fleet table');

				pty.write(ESC);
				await pty.waitFor(/ {2}RACK\s+ACCOUNT/);
				expect(pty.screen()).not.toMatch(/\d+ finished, \d+ in change, \d+ failed/);

				const code = await exitOf(pty, 40_000);
				screen = pty.screen();
				expect(code, screen).toBe(0);
				expect(screen).toContain('Fleet demo: all 7 racks released and verified');
				const typed = prompts.asked.find(box => box.includes("Type the fleet's name to go on:"));
				expect(typed, prompts.asked.join('\n')).toContain('Wave 2 updates PRODUCTION stacks (convox-prod-us-1)');
				expect(typed).toMatch(/│ demo +│/);
				const fleet = readFleet(dir);
				expect(fleet.confirmedWaves).toEqual([0, 1]);
				expect(fleet.racks.map(rack => rack.state)).toEqual(new Array(7).fill('done'));
			} finally {
				prompts.stop();
			}
		},
		CASE_TIMEOUT_MS,
	);

	it(
		'a rack whose checklist fails after its update is offered a rollback; accepted, it runs in the fleet and puts the rack back',
		async () => {
			const {session: pty, dir} = rehearseFleet(3, {CONVOX_AMI_REHEARSAL_STALE_INSTANCES: 'dev-us-1', CONVOX_AMI_PROBE_TIMEOUT: '3'});
			// The failed check is left failed (the fourth choice); the rollback offer is accepted.
			const prompts = answerPrompts(pty, box => {
				if (box.includes('Leave it failed')) return DOWN.repeat(3) + ENTER;
				return box.includes('Roll back') || /y\/N|Y\/n/.test(box) ? 'y' : ENTER;
			});
			try {
				await openSecondRack(pty);
				// Two checks fail (its instances, then their metrics): each is left failed before the offer.
				await pty.waitFor('Roll back dev-us-1 to the Ami and Version they had before this fleet run?', 60_000);
				// Asked under the fleet's lines, which name the rack that failed its checklist and why.
				const screen = pty.screen();
				expect(screen).toContain('[dev-us-1] Verify failed: Verification failed: instances (0 of 3 on ami-');

				const code = await exitOf(pty, 40_000);
				const end = pty.screen();
				expect(code, end).toBe(1);
				expect(end).toContain('Fleet demo stopped: 1 rack(s) failed (dev-us-1), more than the tolerance of 0.');
				expect(end).toContain('Rolled back: dev-us-1 (finished).');
				const fleet = readFleet(dir);
				expect(fleet.status).toBe('stopped');
				expect(fleet.racks.map(rack => [rack.name, rack.state])).toEqual([
					['dev-us-1', 'failed'],
					['dev-eu-1', 'done'],
					['dev-ap-1', 'done'],
				]);
				const runsDir = path.join(dir, '.convox-ami', 'runs');
				const runs = readdirSync(runsDir)
					.filter(name => /^\d{8}-\d{6}-dev-us-1-\w{4}\.json$/.test(name))
					.map(
						name =>
							JSON.parse(readFileSync(path.join(runsDir, name), 'utf8')) as {kind: string; status: string; rollbackOf?: {runId: string}},
					);
				const release = fleet.racks.find(rack => rack.name === 'dev-us-1')!.runId;
				expect(runs.map(run => [run.kind, run.status, run.rollbackOf?.runId]).sort()).toEqual([
					['release', 'failed', undefined],
					['rollback', 'finished', release],
				]);
			} finally {
				prompts.stop();
			}
		},
		CASE_TIMEOUT_MS,
	);
});
