import {existsSync} from 'node:fs';
import {mkdtemp, readdir, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {CommandInput} from '../../source/core/command-input';
import {EXIT, UsageError} from '../../source/core/errors';
import {InterruptRouter} from '../../source/workflow/interrupts';
import {runSession, type SessionWiring} from '../../source/workflow/run-session';
import type {SessionOutcome} from '../../source/core/session-outcome';
import type {OpenedWorld, SessionFrontEnd, SessionOpening} from '../../source/workflow/session-world';
import {StateMirror, type SharedState} from '../../source/workflow/state-mirror';
import {teamState, type TeamState} from '../support/team-state';

let root: string;
let stateDir: string;
beforeEach(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-run-session-'));
	stateDir = path.join(root, '.convox-ami');
});
afterEach(async () => rm(root, {recursive: true, force: true}));

const inputOf = (flags: Partial<CommandInput['flags']> = {}): CommandInput => ({
	name: 'release',
	args: [],
	flags: {dryRun: false, rehearse: false, yes: true, json: true, confirm: [], skipRequired: false, ...flags},
	stateDir,
});

/** The wiring drive-run.ts hands over, recording what the session told its front end and whether it unhooked the signals. */
function wiring() {
	const told = {outcomes: [] as SessionOutcome[], interrupted: 0, released: 0};
	const frontEnd = {
		interrupted: () => told.interrupted++,
		end: async (outcome: SessionOutcome) => void told.outcomes.push(outcome),
	} as Partial<SessionFrontEnd> as SessionFrontEnd;
	const interrupts = new InterruptRouter(() => undefined);
	const wired: SessionWiring = {frontEnd, signals: {interrupts, release: () => told.released++}, held: {}};
	return {wired, told, interrupts};
}

const refused = (): never => {
	throw new Error('not expected to be called');
};

/** A world that fails as it is built: the session ends before its first run, as any failure ends it. */
const failingWorld = (error: Error, stopped: string[]): OpenedWorld => ({
	sessionWorld: () => {
		throw error;
	},
	stop: async () => void stopped.push('rehearsal'),
});

describe('runSession (workflow/run-session.ts)', () => {
	it('a config that does not load ends the session with its error and what to do, leaving no state dir behind', async () => {
		const {wired, told} = wiring();
		const opening: SessionOpening = {
			sharedState: async () => undefined,
			loadConfig: async () => {
				throw new UsageError('The config has no accounts.', 'Add one under "accounts".');
			},
			startRehearsal: refused,
		};
		expect(await runSession(inputOf(), 'release', wired, opening)).toBe(EXIT.usage);
		expect(told.outcomes).toEqual([{exitCode: EXIT.usage, message: 'The config has no accounts.', hint: 'Add one under "accounts".'}]);
		expect(existsSync(stateDir)).toBe(false);
		expect(told.released).toBe(1);
	});

	it('under --rehearse the rehearsal starts in the locked state dir, and is stopped and the lock released whatever ended the session', async () => {
		const {wired, told} = wiring();
		const stopped: string[] = [];
		let lockedAtStart = false;
		let handed: unknown;
		const opening: SessionOpening = {
			sharedState: async () => undefined,
			loadConfig: refused,
			startRehearsal: async options => {
				lockedAtStart = existsSync(path.join(stateDir, 'lock'));
				handed = options;
				return failingWorld(new UsageError('The rehearsal world broke.'), stopped);
			},
		};
		expect(await runSession(inputOf({rehearse: true}), 'release', wired, opening)).toBe(EXIT.usage);
		expect(lockedAtStart).toBe(true);
		expect(handed).toEqual({});
		expect(stopped).toEqual(['rehearsal']);
		expect(existsSync(path.join(stateDir, 'lock'))).toBe(false);
		expect(told.outcomes.map(outcome => outcome.message)).toEqual(['The rehearsal world broke.']);
	});

	it('a failure after Ctrl-C is told as the interruption (130), and the open questions are answered with it', async () => {
		const {wired, told, interrupts} = wiring();
		const opening: SessionOpening = {
			sharedState: async () => undefined,
			loadConfig: refused,
			startRehearsal: async () => {
				interrupts.trigger();
				return failingWorld(new Error('socket hang up'), []);
			},
		};
		expect(await runSession(inputOf({rehearse: true}), 'release', wired, opening)).toBe(EXIT.interrupted);
		expect(told.interrupted).toBe(1);
		expect(told.outcomes).toEqual([expect.objectContaining({exitCode: EXIT.interrupted})]);
	});

	describe('with a shared state', () => {
		let s3: TeamState;
		beforeEach(async () => {
			s3 = await teamState(path.join(root, 's3'));
		});
		afterEach(async () => s3.standIn.close());

		it('pulls the bucket into the state dir once it is locked, hands the rehearsal its world, and closes the state at the end', async () => {
			const {backend} = s3;
			await backend.put('runs/20261125-012547-dev-ysa4.report.md', '# A report kept in the bucket\n');
			const closed: string[] = [];
			const mirror = new StateMirror(backend, stateDir);
			const pull = mirror.pull.bind(mirror);
			let lockedAtPull = false;
			mirror.pull = async () => {
				lockedAtPull = existsSync(path.join(stateDir, 'lock'));
				return pull();
			};
			const shared: SharedState = {
				backend,
				mirror,
				rehearsalWorld: path.join(root, 'world'),
				close: async () => void closed.push('state'),
			};
			const {wired} = wiring();
			let pulled: string[] = [];
			let handed: unknown;
			const opening: SessionOpening = {
				sharedState: async () => shared,
				loadConfig: refused,
				startRehearsal: async options => {
					pulled = await readdir(path.join(stateDir, 'runs'));
					handed = options;
					return failingWorld(new UsageError('Stop here.'), closed);
				},
			};
			expect(await runSession(inputOf({rehearse: true}), 'release', wired, opening)).toBe(EXIT.usage);
			expect(lockedAtPull).toBe(true);
			expect(pulled).toContain('20261125-012547-dev-ysa4.report.md');
			expect(handed).toEqual({worldDir: path.join(root, 'world')});
			expect(closed).toEqual(['rehearsal', 'state']);
			expect(existsSync(path.join(stateDir, 'lock'))).toBe(false);
		});
	});
});
