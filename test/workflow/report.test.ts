import {describe, expect, it} from 'vitest';
import {renderReport} from '../../source/workflow/report';
import type {Run, StepRecord} from '../../source/core/types';

const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 10, 25, 1, minute, second)).toISOString();

function step(
	id: StepRecord['id'],
	start: number,
	end: number,
	outputs: StepRecord['outputs'],
	extra: Partial<StepRecord> = {},
): StepRecord {
	return {id, status: 'done', startedAt: at(start), endedAt: at(end), attempts: 1, outputs, ...extra};
}

const release: Run = {
	schemaVersion: 1,
	id: '20261125-010000-dev',
	kind: 'release',
	env: 'dev',
	mode: 'live',
	production: false,
	releaseId: 'rel-20261125-0100',
	status: 'finished',
	createdAt: at(0),
	updatedAt: at(41),
	options: {region: 'us-east-1', dryRun: false, confirm: ['sumologic'], yes: false},
	steps: [
		step('account', 0, 0, {accountId: '111111111111', arn: 'arn:aws:sts::111111111111:assumed-role/Admin/jane', profile: 'convox-dev'}),
		step('resolve-version', 0, 1, {convoxVersion: '20160916121812', sourceAmi: 'ami-0d1b2c3e4f5a69788'}),
		step('template', 1, 1, {
			amiVersion: '20160916121812-1',
			gitSha: 'abc1234',
			convoxVersion: '20160916121812',
			sourceAmi: 'ami-0d1b2c3e4f5a69788',
		}),
		step(
			'build',
			1,
			14,
			{
				amiId: 'ami-0a7f3c9e21d4b5e86',
				amiIds: {'us-east-1': 'ami-0a7f3c9e21d4b5e86', 'us-west-2': 'ami-05e5a1b2c3d4e5f60'},
				logPath: '.convox-ami/runs/20261125-010000-dev.packer.log',
			},
			{attempts: 2},
		),
		step('update-stack', 14, 36, {
			stackStatus: 'UPDATE_COMPLETE',
			previousAmi: 'ami-0123456789abcdef0',
			previousVersion: '20160820033210',
			changeSetName: 'convox-ami-20261125-010000-dev',
			completedAt: at(36),
		}),
		step('verify', 36, 41, {passed: ['rack', 'instances', 'hello-world', 'librato'], failed: [], skipped: ['sumologic'], waiting: []}),
	],
	checks: [
		{
			id: 'rack',
			title: 'Rack runs the released version',
			kind: 'auto',
			status: 'pass',
			detail: 'convox rack: convox-dev running 20160916121812; stack convox UPDATE_COMPLETE',
			required: true,
			attempts: 1,
			startedAt: at(36),
			endedAt: at(36, 3),
			notes: [],
		},
		{
			id: 'instances',
			title: 'Instances run the new AMI',
			kind: 'auto',
			status: 'pass',
			detail: '3 of 3 on ami-0a7f3c9e21d4b5e86',
			required: true,
			attempts: 1,
			startedAt: at(36),
			endedAt: at(36, 1),
			notes: [],
		},
		{
			id: 'hello-world',
			title: 'hello-world answers through its load balancer',
			kind: 'auto',
			status: 'pass',
			detail: 'HTTP 200 from http://hello.example.com/ in 84 ms (3 attempts in 41.2 s)',
			required: true,
			attempts: 1,
			startedAt: at(36),
			endedAt: at(36, 41),
			notes: ['first attempts hit the draining instance | it recovered'],
		},
		{
			id: 'sumologic',
			title: 'Logs reach SumoLogic',
			kind: 'manual',
			status: 'skipped',
			detail: 'skipped by the operator',
			required: true,
			attempts: 1,
			startedAt: at(37),
			endedAt: at(38),
			notes: ['Skipped: SumoLogic ingestion is delayed today'],
		},
	],
	history: [
		{at: at(20), message: 'Interrupted during update-stack (Ctrl-C, detached); the update went on.'},
		{at: at(25), message: 'Resumed by jane; re-attached to the stack update.'},
	],
};

describe('renderReport', () => {
	const report = renderReport(release);

	it('reads as a record of the run: heading, who, where, when', () => {
		expect(report.startsWith('# convox-ami release record: dev\n')).toBe(true);
		expect(report).toContain('| Run | `20261125-010000-dev` |');
		expect(report).toContain('| Status | **finished** |');
		expect(report).toContain('| Environment | dev (account 111111111111) |');
		expect(report).toContain('| Production | no |');
		expect(report).toContain('| Who | `arn:aws:sts::111111111111:assumed-role/Admin/jane` |');
		expect(report).toContain('| Release | `rel-20261125-0100` |');
		expect(report).toContain('| Started | 2026-11-25 01:00:00 UTC |');
		expect(report).not.toContain('REHEARSAL');
	});

	it('lists the versions and every new AMI by region', () => {
		expect(report).toContain('## Versions');
		expect(report).toContain('| Convox version | `20160916121812` |');
		expect(report).toContain('| Source AMI | `ami-0d1b2c3e4f5a69788` |');
		expect(report).toContain('| AMI version | `20160916121812-1` |');
		expect(report).toContain('| Git commit | `abc1234` |');
		expect(report).toContain('| New AMI | `ami-0a7f3c9e21d4b5e86` (us-east-1), `ami-05e5a1b2c3d4e5f60` (us-west-2) |');
	});

	it('records how a current rack chose its version and base AMI', () => {
		const current = {
			...release,
			steps: release.steps.map(record =>
				record.id === 'resolve-version'
					? {
							...record,
							outputs: {
								...record.outputs,
								versionRule: 'required',
								nextVersion: '20260708102410',
								amiParameter: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id',
								architecture: 'x86_64',
							},
						}
					: record,
			),
		};
		const rendered = renderReport(current);
		expect(rendered).toContain('| Version rule | required (next: `20260708102410`) |');
		expect(rendered).toContain('| Source AMI from | SSM `/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id` (x86_64) |');
		expect(report).not.toContain('Version rule');
	});

	it('shows the stack outcome with the parameters before and after', () => {
		expect(report).toContain(
			'Outcome: **UPDATE_COMPLETE**, completed 2026-11-25 01:36:00 UTC (change set `convox-ami-20261125-010000-dev`).',
		);
		expect(report).toContain('| Ami | `ami-0123456789abcdef0` | `ami-0a7f3c9e21d4b5e86` |');
		expect(report).toContain('| Version | `20160820033210` | `20160916121812` |');
	});

	it('gives each check its result, evidence, time and notes', () => {
		expect(report).toContain('3 passed, 1 skipped.');
		expect(report).toContain('| **Instances run the new AMI** (`instances`, auto) | ✔ pass | 3 of 3 on ami-0a7f3c9e21d4b5e86 | 1.0 s |');
		expect(report).toContain('| **Logs reach SumoLogic** (`sumologic`, manual) | ↷ skipped | skipped by the operator | 1m00s |');
		expect(report).toContain('### Notes');
		expect(report).toContain('- **sumologic**: Skipped: SumoLogic ingestion is delayed today');
		expect(report).toContain('- **hello-world**: first attempts hit the draining instance | it recovered');
	});

	it('times every step and keeps the history of interruptions and resumes', () => {
		expect(report).toContain('| Step | Status | Started | Duration | Attempts | Error |');
		expect(report).toContain('| `build` | done | 2026-11-25 01:01:00 UTC | 13m00s | 2 | – |');
		expect(report).toContain('## History');
		expect(report).toContain('- 2026-11-25 01:20:00 UTC: Interrupted during update-stack (Ctrl-C, detached); the update went on.');
		expect(report).toContain('- 2026-11-25 01:25:00 UTC: Resumed by jane; re-attached to the stack update.');
		const headings = report.split('\n').filter(line => line.startsWith('#'));
		expect(headings).toEqual([
			'# convox-ami release record: dev',
			'## Versions',
			'## Stack update',
			'## Checks',
			'### Notes',
			'## Steps',
			'## History',
		]);
	});

	it('escapes table cells so that evidence cannot break a table', () => {
		const run: Run = {...release, checks: [{...release.checks[0]!, detail: 'a | b\nc'}]};
		expect(renderReport(run)).toContain('| a \\| b c |');
	});

	it('marks a rehearsal in production, and a checklist run on the stack as it was', () => {
		const checklist: Run = {
			...release,
			kind: 'checklist',
			mode: 'rehearsal',
			production: true,
			status: 'waiting',
			steps: [
				release.steps[0]!,
				step(
					'verify',
					36,
					41,
					{stackStatus: 'UPDATE_COMPLETE', convoxVersion: '20160916121812', amiId: 'ami-0a7f3c9e21d4b5e86'},
					{status: 'waiting', endedAt: undefined},
				),
			],
			checks: [{...release.checks[3]!, status: 'waiting', detail: 'waiting for confirmation (--confirm sumologic)', notes: []}],
			history: [],
		};
		const text = renderReport(checklist);
		expect(text.startsWith('# convox-ami checklist record: dev (production)\n')).toBe(true);
		expect(text).toContain('> **REHEARSAL**: run offline against local stand-ins; nothing here touched AWS.');
		expect(text).toContain('> **PRODUCTION** account.');
		expect(text).toContain(
			'As found by the checklist: **UPDATE_COMPLETE**, Ami `ami-0a7f3c9e21d4b5e86`, Version `20160916121812`. This run did not change it.',
		);
		expect(text).toContain('1 waiting.');
		expect(text).toContain('| `verify` | waiting | 2026-11-25 01:36:00 UTC | – | 1 | – |');
		expect(text).not.toContain('## Versions');
		expect(text).not.toContain('## History');
	});

	it("counts the account's AMIs after a release, suggesting prune beyond the kept number, or says why it could not", () => {
		const where = {accountId: '111111111111', region: 'us-east-1', account: 'dev', keep: 3};
		const many = renderReport(release, {...where, images: 7, snapshots: 9, gib: 72});
		expect(many).toContain(
			'111111111111 us-east-1 holds 7 AMI(s) made by convox-ami, with 9 snapshot(s) (72 GiB). That is more than the 3 `convox-ami prune` keeps: `convox-ami prune --env dev --dry-run` shows what it would retire',
		);
		const few = renderReport(release, {...where, images: 2, snapshots: 2, gib: 16});
		expect(few).toContain('holds 2 AMI(s) made by convox-ami, with 2 snapshot(s) (16 GiB).\n');
		expect(few).not.toContain('convox-ami prune');
		expect(renderReport(release, {unread: 'DescribeImages failed (UnauthorizedOperation: no)'})).toContain(
			'Not counted: DescribeImages failed (UnauthorizedOperation: no).',
		);
		expect(renderReport(release)).not.toContain('## AMIs in the account');
	});
});
