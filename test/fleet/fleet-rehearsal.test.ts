import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import type {StandInData} from '../../source/rehearsal/aws/model';
import type {FleetRun} from '../../source/workflow/fleet/fleet-journal';
import type {Run} from '../../source/core/types';
import {createLimiter, faultEnv, runCliUntil, type CliEvent} from '../support/fault-cli';
import {fleetStateDirs} from '../support/fleet-state';
import {parameterOf, stackOf, updatesBegun} from '../support/fault-state';

const RELEASE = ['release', '--rehearse', '--fleet', 'demo', '--yes', '--json', '--confirm', 'sumologic'];
const RESUME = ['resume', '--yes', '--json', '--confirm', 'sumologic'];
const CONVOX_VERSION = '20160916121812';
const WAVE_3 = [
	'prod-us-2',
	'prod-us-3',
	'prod-us-4',
	'prod-us-5',
	'prod-eu-2',
	'prod-eu-3',
	'prod-eu-4',
	'prod-ap-2',
	'prod-ap-3',
	'prod-ap-4',
	'prod-ap-5',
];
/** A 20-rack fleet keeps a core busy: two at a time. */
const limit = createLimiter(2);
const CASE_TIMEOUT_MS = 300_000;

const {stateDir, readFleet} = fleetStateDirs('convox-ami-fleet-');

function readAws(dir: string): StandInData {
	return JSON.parse(readFileSync(path.join(dir, 'rehearsal', 'aws-fleet-demo.json'), 'utf8')) as StandInData;
}

function readRun(dir: string, runId: string): Run {
	return JSON.parse(readFileSync(path.join(dir, 'runs', `${runId}.json`), 'utf8')) as Run;
}

/** Every rack's stack was updated exactly once, onto the AMI of its account and region, with the fleet's version. */
function expectEachRackUpdatedOnce(dir: string, fleet: FleetRun, racks = fleet.racks.map(rack => rack.name)): void {
	const aws = readAws(dir);
	for (const name of racks) {
		const rack = fleet.racks.find(candidate => candidate.name === name)!;
		const stack = stackOf(aws, rack.stackName);
		const image = fleet.images.find(candidate => candidate.accountId === rack.accountId && candidate.region === rack.region)!;
		expect({rack: name, updates: updatesBegun(stack)}).toEqual({rack: name, updates: 1});
		expect(parameterOf(stack, 'Ami')).toBe(image.amiId);
		expect(parameterOf(stack, 'Version')).toBe(CONVOX_VERSION);
	}
}

/** One build per account (the images tagged with a run), one copy per other region (tagged with the fleet run). */
function expectOneBuildPerAccountAndOneCopyPerRegion(dir: string, fleet: FleetRun): void {
	const aws = readAws(dir);
	// The rehearsal's world also holds AMIs of earlier releases: only the fleet's runs count.
	const fleetRuns = new Set(fleet.racks.map(rack => rack.runId));
	const built = aws.images.filter(image => fleetRuns.has(image.tags.ReleaseRun) && !image.copiedFrom);
	expect(built.map(image => image.tags.ReleaseRun).sort()).toEqual(
		fleet.images
			.filter(image => image.kind === 'build')
			.map(image => image.runId)
			.sort(),
	);
	expect(built).toHaveLength(2);
	const copies = aws.images.filter(image => image.tags.FleetRun === fleet.id);
	expect(copies.map(image => image.region).sort()).toEqual(['ap-southeast-2', 'ap-southeast-2', 'eu-west-1', 'eu-west-1']);
	expect(new Set(copies.map(image => image.imageId))).toEqual(
		new Set(fleet.images.filter(image => image.kind === 'copy').map(image => image.amiId)),
	);
}

/** The stand-in's clocks are turned down: so is the pace of CloudFormation calls, up. */
const fast = (overrides: NodeJS.ProcessEnv = {}) => faultEnv({CONVOX_AMI_CLOUDFORMATION_RATE: '100', ...overrides});

const rackStates = (events: readonly CliEvent[], state: string) =>
	events.filter(event => event.type === 'rack-state' && event.state === state).map(event => event.rack as string);

describe('a fleet release over the loopback stand-ins (20 racks, 2 accounts, 3 regions, 3 waves)', () => {
	test.concurrent(
		'finishes with every rack updated once, one build per account and one copy per other region',
		() =>
			limit(async () => {
				const dir = stateDir();
				const outcome = await runCliUntil([...RELEASE, '--state-dir', dir], {env: fast()});
				expect(outcome.stderr).toContain('all 20 racks released and verified');
				expect(outcome.exitCode).toBe(0);
				const fleet = readFleet(dir);
				expect(fleet.status).toBe('finished');
				expect(fleet.racks.map(rack => rack.state)).toEqual(new Array(20).fill('done'));
				expectEachRackUpdatedOnce(dir, fleet);
				expectOneBuildPerAccountAndOneCopyPerRegion(dir, fleet);
				// The racks of an account's other regions and later racks adopt the AMI: their template step is skipped, nothing is built again.
				const euRun = readRun(dir, fleet.racks.find(rack => rack.name === 'prod-eu-3')!.runId!);
				expect(euRun.steps.find(step => step.id === 'template')?.status).toBe('skipped');
				expect(euRun.steps.find(step => step.id === 'build')?.outputs).toMatchObject({
					prebuilt: true,
					amiId: fleet.images.find(image => image.accountId === '222222222222' && image.region === 'eu-west-1')!.amiId,
				});
				// Waves in order: no rack of a wave starts before every rack of the wave before it is done.
				const order = outcome.events.filter(event => event.type === 'rack-state');
				for (const [index, event] of order.entries()) {
					if (event.state !== 'running') continue;
					const wave = event.wave as number;
					const doneBefore = new Set(
						order
							.slice(0, index)
							.filter(earlier => earlier.state === 'done')
							.map(earlier => earlier.rack),
					);
					for (const rack of fleet.racks.filter(candidate => candidate.wave < wave)) expect(doneBefore).toContain(rack.name);
				}
				// Every run event of a rack carries the fleet and the rack.
				const rackEvents = outcome.events.filter(event => event.type === 'step');
				expect(rackEvents.length).toBeGreaterThan(100);
				for (const event of rackEvents) expect(event).toMatchObject({fleet: 'demo', rack: expect.any(String)});
				const report = readFileSync(path.join(dir, 'fleets', `${fleet.id}.report.md`), 'utf8');
				expect(report).toContain('| prod-ap-5 | 222222222222 | ap-southeast-2 | 3 | released and verified |');
				expect(report).toContain(`(../runs/${fleet.racks[0]!.runId}.report.md)`);
			}),
		CASE_TIMEOUT_MS,
	);

	test.concurrent(
		'a rack that rolls back with failureTolerance 0 stops the fleet before the next wave; later racks stay untouched',
		() =>
			limit(async () => {
				const dir = stateDir();
				const outcome = await runCliUntil([...RELEASE, '--state-dir', dir], {env: fast({CONVOX_AMI_REHEARSAL_ROLLBACK: 'dev-eu-2'})});
				expect(outcome.exitCode).toBe(1);
				expect(outcome.stderr).toMatch(
					/Fleet demo stopped: 1 rack\(s\) failed \(dev-eu-2\), more than the tolerance of 0\. Left untouched: prod-us-2, .*prod-ap-5\./,
				);
				// CloudFormation already put the rack back: no rollback is offered for it.
				expect(outcome.stderr).toContain('No failed rack is left changed (CloudFormation rolled back the updates that failed).');
				expect(outcome.stderr).not.toContain('convox-ami rollback');
				const fleet = readFleet(dir);
				expect(fleet.status).toBe('stopped');
				// The fleet's last JSON line names it, as every fleet event does, with the fleet run's id as its runId.
				expect(outcome.events.at(-1)).toMatchObject({type: 'error', fleet: 'demo', fleetRunId: fleet.id, runId: fleet.id});
				expect(outcome.events.filter(event => event.type === 'fleet').every(event => event.runId === fleet.id)).toBe(true);
				expect(fleet.racks.find(rack => rack.name === 'dev-eu-2')?.state).toBe('failed');
				expect(rackStates(outcome.events, 'untouched').sort()).toEqual([...WAVE_3].sort());
				const aws = readAws(dir);
				for (const name of WAVE_3) {
					const stack = stackOf(aws, `convox-${name}`);
					expect(updatesBegun(stack)).toBe(0);
					expect(parameterOf(stack, 'Ami')).toBe('');
					expect(fleet.racks.find(rack => rack.name === name)?.runId).toBeUndefined();
				}
				expect(stackOf(aws, 'convox-dev-eu-2').status).toBe('UPDATE_ROLLBACK_COMPLETE');
				// The other racks of the wave ran side by side and finished.
				expectEachRackUpdatedOnce(dir, fleet, ['dev-us-2', 'dev-ap-2', 'prod-us-1', 'prod-eu-1', 'prod-ap-1']);
				expect(readFileSync(path.join(dir, 'fleets', `${fleet.id}.report.md`), 'utf8')).toContain(
					'| prod-us-2 | 222222222222 | us-east-1 | 3 | untouched (not started) |',
				);
			}),
		CASE_TIMEOUT_MS,
	);

	test.concurrent(
		'with failureTolerance 1 the fleet goes on past the failed rack and ends with exit 1 naming it',
		() =>
			limit(async () => {
				const dir = stateDir();
				const outcome = await runCliUntil([...RELEASE, '--state-dir', dir], {
					env: fast({CONVOX_AMI_REHEARSAL_ROLLBACK: 'dev-eu-2', CONVOX_AMI_REHEARSAL_FLEET_TOLERANCE: '1'}),
				});
				expect(outcome.exitCode).toBe(1);
				expect(outcome.stderr).toContain('19 racks done; 1 failed within the tolerance of 1: dev-eu-2.');
				const fleet = readFleet(dir);
				expect(fleet.status).toBe('finished');
				expect(rackStates(outcome.events, 'untouched')).toEqual([]);
				expectEachRackUpdatedOnce(dir, fleet, WAVE_3);
			}),
		CASE_TIMEOUT_MS,
	);

	test.concurrent(
		'SIGKILL mid-wave, then resume: every rack updated exactly once, nothing built or copied again',
		() =>
			limit(async () => {
				const dir = stateDir();
				const killed = await runCliUntil([...RELEASE, '--state-dir', dir], {
					env: fast(),
					killWhen: event => event.type === 'stack-event' && event.rack === 'prod-eu-1',
				});
				expect(killed.killed).toBe(true);
				const atKill = readFleet(dir);
				expect(atKill.racks.filter(rack => rack.wave === 1).some(rack => rack.state === 'running')).toBe(true);
				const resumed = await runCliUntil([...RESUME, '--state-dir', dir], {env: fast()});
				expect(resumed.stderr).toContain('all 20 racks released and verified');
				expect(resumed.exitCode).toBe(0);
				expect(resumed.events.find(event => event.type === 'fleet')).toMatchObject({status: 'resumed', fleetRunId: atKill.id});
				// Racks done before the kill are not started again.
				const doneBefore = atKill.racks.filter(rack => rack.state === 'done').map(rack => rack.name);
				expect(doneBefore.length).toBeGreaterThan(0);
				for (const name of doneBefore) expect(rackStates(resumed.events, 'running')).not.toContain(name);
				expect(resumed.events.filter(event => event.type === 'image' && event.status === 'running')).toEqual([]);
				const fleet = readFleet(dir);
				expectEachRackUpdatedOnce(dir, fleet);
				expectOneBuildPerAccountAndOneCopyPerRegion(dir, fleet);
			}),
		CASE_TIMEOUT_MS,
	);

	test.concurrent(
		"the wave's question with nobody to answer: exit 2, no stack changed; resume --yes goes on",
		() =>
			limit(async () => {
				const dir = stateDir();
				const small = fast({CONVOX_AMI_REHEARSAL_FLEET_RACKS: '3'});
				const asked = await runCliUntil(
					['release', '--rehearse', '--fleet', 'demo', '--json', '--confirm', 'sumologic', '--state-dir', dir],
					{env: small},
				);
				expect(asked.exitCode).toBe(2);
				expect(asked.stderr).toContain(
					'"Execute the 3 change set(s) of wave 1 of fleet demo? They replace 9 instance(s) in all." needs an answer',
				);
				const aws = readAws(dir);
				for (const name of ['dev-us-1', 'dev-eu-1', 'dev-ap-1']) expect(updatesBegun(stackOf(aws, `convox-${name}`))).toBe(0);
				expect(readFleet(dir).racks.map(rack => rack.state)).toEqual(['pending', 'pending', 'pending']);
				const resumed = await runCliUntil([...RESUME, '--state-dir', dir], {env: small});
				expect(resumed.exitCode).toBe(0);
				const fleet = readFleet(dir);
				expect(fleet.confirmedWaves).toEqual([0]);
				expectEachRackUpdatedOnce(dir, fleet);
			}),
		CASE_TIMEOUT_MS,
	);

	test.concurrent(
		'without --json, plain lines: each rack run line starts with [rack], the fleet says each rack and its end',
		() =>
			limit(async () => {
				const dir = stateDir();
				const outcome = await runCliUntil(
					['release', '--rehearse', '--fleet', 'demo', '--yes', '--confirm', 'sumologic', '--state-dir', dir],
					{env: fast({CONVOX_AMI_REHEARSAL_FLEET_RACKS: '3'})},
				);
				expect(outcome.exitCode).toBe(0);
				const lines = outcome.events.map(event => String(event.line));
				expect(outcome.events.every(event => event.type === 'unparsed')).toBe(true);
				const fleet = readFleet(dir);
				expect(lines[0]).toBe(`fleet demo started: 3 racks in 1 waves; run ${fleet.id}`);
				for (const rack of fleet.racks) {
					expect(lines.filter(line => line.startsWith(`[${rack.name}] `)).length).toBeGreaterThan(5);
					expect(lines).toContain(`rack ${rack.name} (wave 1) done · run ${rack.runId}`);
				}
				// The fleet's last line, then the outcome (on stdout: the fleet finished).
				const last = lines.indexOf(
					`fleet demo finished · Convox ${CONVOX_VERSION}: Fleet demo: all 3 racks released and verified with Convox ${CONVOX_VERSION}.`,
				);
				expect(lines.slice(last + 1)).toEqual([
					`Fleet demo: all 3 racks released and verified with Convox ${CONVOX_VERSION}.`,
					`Report: ${path.join(dir, 'fleets', `${fleet.id}.report.md`)}`,
					`Journal: ${path.join(dir, 'fleets', `${fleet.id}.json`)}`,
				]);
			}),
		CASE_TIMEOUT_MS,
	);

	test.concurrent(
		'SIGKILL mid-copy, then resume: the copies made are found again, every AMI is copied exactly once',
		() =>
			limit(async () => {
				const dir = stateDir();
				const killed = await runCliUntil([...RELEASE, '--state-dir', dir], {
					env: fast(),
					killWhen: (event, seen) =>
						event.type === 'notice' &&
						/copying/.test(String(event.message)) &&
						seen.filter(earlier => earlier.type === 'notice' && /copying/.test(String(earlier.message))).length === 2,
				});
				expect(killed.killed).toBe(true);
				const atKill = readFleet(dir);
				expect(atKill.images.filter(image => image.kind === 'copy').map(image => image.status)).toContain('running');
				expect(atKill.racks.every(rack => rack.state === 'pending')).toBe(true);
				const resumed = await runCliUntil([...RESUME, '--state-dir', dir], {env: fast()});
				expect(resumed.exitCode).toBe(0);
				expect(
					resumed.events.some(event => event.type === 'image' && event.kind === 'copy' && /not copied again/.test(String(event.message))),
				).toBe(true);
				expect(resumed.events.filter(event => event.type === 'image' && event.kind === 'build')).toEqual([]);
				const fleet = readFleet(dir);
				expectEachRackUpdatedOnce(dir, fleet);
				expectOneBuildPerAccountAndOneCopyPerRegion(dir, fleet);
			}),
		CASE_TIMEOUT_MS,
	);
});
