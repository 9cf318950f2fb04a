import {runModeOf} from '../core/run-mode';
import {describeApprover, outputsOf, type RecordedOutputs} from '../core/step-outputs';
import type {CheckRecord, Run, StepRecord} from '../core/types';
import {formatDuration} from '../core/format-duration';

const KIND_TITLES: Record<Run['kind'], string> = {release: 'Release', checklist: 'Checklist', rollback: 'Rollback'};
const CHECK_MARKS: Record<CheckRecord['status'], string> = {
	pass: '✔ pass',
	fail: '✘ fail',
	skipped: '↷ skipped',
	waiting: '? waiting',
	running: '… running',
	pending: '· pending',
};

/** A value for a Markdown table cell: one line, pipes escaped. */
function cell(value: unknown): string {
	if (value === undefined || value === null || value === '') return '–';
	return String(value)
		.replace(/\s*\r?\n\s*/g, ' ')
		.replace(/\|/g, '\\|');
}

function code(value: unknown): string {
	return typeof value === 'string' && value !== '' ? `\`${value}\`` : '–';
}

function time(iso: string | undefined): string {
	if (!iso) return '–';
	const date = new Date(iso);
	return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function span(startedAt: string | undefined, endedAt: string | undefined): string {
	if (!startedAt || !endedAt) return '–';
	return formatDuration(Date.parse(endedAt) - Date.parse(startedAt));
}

function table(headers: string[], rows: string[][]): string[] {
	return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map(row => `| ${row.join(' | ')} |`)];
}

function text(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

function banner(run: Run): string[] {
	const lines = [];
	const {world, readOnly} = runModeOf(run);
	if (world === 'rehearsal') lines.push('> **REHEARSAL**: run offline against local stand-ins; nothing here touched AWS.');
	else if (readOnly) lines.push('> **DRY RUN**: every read was real; no change was made.');
	if (run.production) lines.push('> **PRODUCTION** account.');
	return lines.length > 0 ? [...lines, ''] : [];
}

function summary(run: Run): string[] {
	const account = outputsOf(run, 'account');
	const accountId = text(account.accountId);
	return table(
		['', ''],
		[
			['Run', code(run.id)],
			['Kind', KIND_TITLES[run.kind]],
			['Status', `**${run.status}**`],
			['Environment', accountId ? `${cell(run.env)} (account ${accountId})` : cell(run.env)],
			['Production', run.production ? '**yes**' : 'no'],
			['Mode', run.mode],
			['Who', code(account.arn)],
			['Region', cell(run.options.region)],
			...(run.releaseId ? [['Release', code(run.releaseId)]] : []),
			['Started', time(run.createdAt)],
			['Last change', time(run.updatedAt)],
		],
	);
}

function versions(run: Run): string[] {
	const version = outputsOf(run, 'resolve-version');
	const template = outputsOf(run, 'template');
	const build = outputsOf(run, 'build');
	const verify = outputsOf(run, 'verify');
	const amiIds = Object.entries(build.amiIds ?? {});
	const newAmis = amiIds.length > 0 ? amiIds.map(([region, amiId]) => `${code(amiId)} (${region})`).join(', ') : code(build.amiId);
	const rows = [
		['Convox version', code(version.convoxVersion ?? template.convoxVersion ?? verify.convoxVersion)],
		...(text(version.versionRule)
			? [['Version rule', `${String(version.versionRule)}${text(version.nextVersion) ? ` (next: ${code(version.nextVersion)})` : ''}`]]
			: []),
		['Source AMI', code(version.sourceAmi ?? template.sourceAmi)],
		...(text(version.amiParameter) ? [['Source AMI from', `SSM ${code(version.amiParameter)} (${String(version.architecture)})`]] : []),
		['AMI version', code(template.amiVersion)],
		...(text(template.gitSha) ? [['Git commit', code(template.gitSha)]] : []),
		['New AMI', newAmis],
		...(text(build.logPath) ? [['Packer log', code(build.logPath)]] : []),
	];
	return ['## Versions', '', ...table(['', ''], rows)];
}

/** The change set shown for approval, who approved it, or that it still waits. */
function approval(update: RecordedOutputs<'update-stack'>): string[] {
	const {preview, approval: given} = update;
	if (!preview) return [];
	const shown = `Change set ${code(preview.changeSetName)} previewed ${time(preview.previewedAt)} ([console](${preview.consoleUrl}))`;
	return [
		'',
		given && given.changeSetName === preview.changeSetName
			? `${shown}, approved by ${cell(describeApprover(given))} (${code(given.arn)}) ${time(given.at)}.`
			: `${shown}: **waiting for approval**.`,
	];
}

function stack(run: Run): string[] {
	const update = outputsOf(run, 'update-stack');
	const verify = outputsOf(run, 'verify');
	const version = outputsOf(run, 'resolve-version');
	const build = outputsOf(run, 'build');
	if (text(update.stackStatus)) {
		return [
			'## Stack update',
			'',
			`Outcome: **${update.stackStatus}**${text(update.completedAt) ? `, completed ${time(update.completedAt)}` : ''}${text(update.changeSetName) ? ` (change set ${code(update.changeSetName)})` : ''}.`,
			'',
			...table(
				['Parameter', 'Before', 'After'],
				[
					['Ami', code(update.previousAmi), code(build.amiId)],
					['Version', code(update.previousVersion), code(version.convoxVersion)],
				],
			),
			...approval(update),
		];
	}
	if (text(verify.stackStatus)) {
		return [
			'## Stack',
			'',
			`As found by the checklist: **${verify.stackStatus}**, Ami ${code(verify.amiId)}, Version ${code(verify.convoxVersion)}. This run did not change it.`,
		];
	}
	return ['## Stack', '', 'Not changed by this run.', ...approval(update)];
}

function checks(run: Run): string[] {
	if (run.checks.length === 0) return ['## Checks', '', 'No check ran.'];
	const count = (status: CheckRecord['status']) => run.checks.filter(check => check.status === status).length;
	const tally = (['pass', 'fail', 'skipped', 'waiting', 'running', 'pending'] as const)
		.filter(status => count(status) > 0)
		.map(status => `${count(status)} ${status === 'pass' ? 'passed' : status === 'fail' ? 'failed' : status}`)
		.join(', ');
	const rows = run.checks.map(check => [
		`**${cell(check.title)}** (${code(check.id)}, ${check.kind}${check.required ? '' : ', optional'})`,
		CHECK_MARKS[check.status],
		cell(check.detail),
		span(check.startedAt, check.endedAt),
	]);
	const noted = run.checks.filter(check => check.notes.length > 0);
	const notes =
		noted.length > 0
			? [
					'',
					'### Notes',
					'',
					...noted.flatMap(check => check.notes.map(note => `- **${cell(check.id)}**: ${note.replace(/\s*\r?\n\s*/g, ' ')}`)),
				]
			: [];
	return ['## Checks', '', `${tally}.`, '', ...table(['Check', 'Result', 'Evidence', 'Time'], rows), ...notes];
}

function steps(run: Run): string[] {
	const rows = run.steps.map((step: StepRecord) => [
		code(step.id),
		step.status,
		time(step.startedAt),
		span(step.startedAt, step.endedAt),
		step.attempts > 1 ? String(step.attempts) : '1',
		cell(step.error),
	]);
	return ['## Steps', '', ...table(['Step', 'Status', 'Started', 'Duration', 'Attempts', 'Error'], rows)];
}

function history(run: Run): string[] {
	if (run.history.length === 0) return [];
	return ['## History', '', ...run.history.map(entry => `- ${time(entry.at)}: ${entry.message.replace(/\s*\r?\n\s*/g, ' ')}`)];
}

/** What the account holds of convox-ami's AMIs after a release (one DescribeImages), or why it is not known. */
export type ImageHoldings =
	{accountId: string; region: string; images: number; snapshots: number; gib: number; keep: number; account: string} | {unread: string};

function holdingsSection(holdings: ImageHoldings | undefined): string[] {
	if (!holdings) return [];
	if ('unread' in holdings) return ['## AMIs in the account', '', `Not counted: ${holdings.unread}.`];
	const {accountId, region, images, snapshots, gib, keep, account} = holdings;
	const counted = `${accountId} ${region} holds ${images} AMI(s) made by convox-ami, with ${snapshots} snapshot(s) (${gib} GiB).`;
	const advice =
		images > keep
			? ` That is more than the ${keep} \`convox-ami prune\` keeps: \`convox-ami prune --env ${account} --dry-run\` shows what it would retire (docs/prune.md).`
			: '';
	return ['## AMIs in the account', '', `${counted}${advice}`];
}

/**
 * The release record of a run as Markdown: who, which account, versions and AMI ids, the stack's
 * outcome, every check with its evidence and notes, every step with its timing, and the run's
 * history (interruptions, resumes, warnings). Holds only what the journal holds: never a secret.
 */
export function renderReport(run: Run, holdings?: ImageHoldings): string {
	const sections = [
		[
			`# convox-ami ${KIND_TITLES[run.kind].toLowerCase()} record: ${run.env}${run.production ? ' (production)' : ''}`,
			'',
			...banner(run),
			...summary(run),
		],
		run.kind === 'checklist' ? [] : versions(run),
		stack(run),
		checks(run),
		steps(run),
		holdingsSection(holdings),
		history(run),
	];
	return `${sections
		.filter(section => section.length > 0)
		.map(section => section.join('\n'))
		.join('\n\n')}\n`;
}
