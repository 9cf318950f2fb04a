import path from 'node:path';
import type {Run} from '../../core/types';
import {describeApprover, outputsOf} from '../../core/step-outputs';
import type {FleetRackRecord, FleetRun, WaveApproval} from './fleet-journal';

export interface FleetReportInput {
	fleet: FleetRun;
	/** The rack runs that load, by id. */
	runs: Map<string, Run>;
	/** Racks never started because the fleet stopped. */
	untouched: string[];
	/** Folder of the fleet report; rack reports are linked relative to it. */
	reportDir: string;
	runsDir: string;
}

function outcomeOf(rack: FleetRackRecord, run: Run | undefined, untouched: boolean): string {
	if (untouched) return 'untouched (not started)';
	switch (rack.state) {
		case 'done':
			return 'released and verified';
		case 'failed':
			return `FAILED${rack.detail ? `: ${rack.detail.split('\n')[0]}` : ''}`;
		case 'waiting':
			return `waiting${rack.detail ? `: ${rack.detail.split('\n')[0]}` : ''}`;
		default:
			return run ? `not finished (run ${run.status})` : 'not started';
	}
}

function cell(text: string): string {
	return text.replaceAll('|', '\\|');
}

/** A previewed wave: its change sets as shown, and who approved each, or that it still waits. */
function waveApproval({wave, preview, approvals}: WaveApproval): string[] {
	const approvalOf = (rack: string, changeSetName: string) =>
		approvals.find(approval => approval.rack === rack && approval.changeSetName === changeSetName);
	const lines = [`### Wave ${wave + 1}`];
	if (preview) {
		lines.push('', `Previewed ${preview.at}:`, '', '```', preview.table, '```', '');
		for (const {rack, changeSetName, consoleUrl, runId} of preview.changeSets) {
			const given = approvalOf(rack, changeSetName);
			lines.push(
				`- ${rack}: change set \`${changeSetName}\` ([console](${consoleUrl}), run ${runId}): ${given ? `approved by ${describeApprover(given)} (\`${given.arn}\`) at ${given.at}` : '**waiting for approval**'}`,
			);
		}
	}
	const unlisted = approvals.filter(approval => !preview?.changeSets.some(set => set.changeSetName === approval.changeSetName));
	for (const given of unlisted)
		lines.push(
			`- ${given.rack}: change set \`${given.changeSetName}\` approved by ${describeApprover(given)} (\`${given.arn}\`) at ${given.at}`,
		);
	return lines;
}

/** The fleet's release record: every rack with its outcome and a link to its own report. */
export function fleetReport({fleet, runs, untouched, reportDir, runsDir}: FleetReportInput): string {
	const lines = [
		`# Fleet release ${fleet.fleet} (${fleet.id})`,
		'',
		`- Status: **${fleet.status}**${fleet.mode === 'live' ? '' : ` (${fleet.mode}${fleet.dryRun ? ', dry run' : ''})`}`,
		`- Convox version: ${fleet.convoxVersion ?? '(not resolved)'}`,
		`- Waves: ${fleet.waves.map((wave, index) => `${index + 1}. ${wave.join(', ')}`).join('; ')}`,
		`- At most ${fleet.maxConcurrent} rack(s) at a time; failure tolerance ${fleet.failureTolerance}`,
		`- Started ${fleet.createdAt}, last change ${fleet.updatedAt}`,
		...(fleet.until ? ['- Each wave stops once its change sets are shown, until they are approved (`--until preview`)'] : []),
		'',
		'## AMIs',
		'',
		'| account | region | how | AMI | status |',
		'| --- | --- | --- | --- | --- |',
		...fleet.images.map(
			image =>
				`| ${image.accountId} | ${image.region} | ${image.kind === 'build' ? `built by the run of ${image.rack}` : `copied from ${image.copiedFrom?.region ?? '?'}`} | ${image.amiId ?? '-'} | ${image.status}${image.adopted ? ' (found again, not repeated)' : ''}${image.error ? `: ${cell(image.error.split('\n')[0]!)}` : ''} |`,
		),
		'',
		'## Racks',
		'',
		'| rack | account | region | wave | outcome | AMI | run |',
		'| --- | --- | --- | --- | --- | --- | --- |',
	];
	for (const rack of fleet.racks) {
		const run = rack.runId ? runs.get(rack.runId) : undefined;
		const amiId = run ? outputsOf(run, 'build').amiId : undefined;
		const link = rack.runId ? `[${rack.runId}](${path.relative(reportDir, path.join(runsDir, `${rack.runId}.report.md`))})` : '-';
		lines.push(
			`| ${rack.name} | ${rack.accountId} | ${rack.region} | ${rack.wave + 1} | ${cell(outcomeOf(rack, run, untouched.includes(rack.name)))} | ${typeof amiId === 'string' ? amiId : '-'} | ${link} |`,
		);
	}
	if (fleet.waveApprovals?.length) lines.push('', '## Approvals', ...fleet.waveApprovals.flatMap(wave => ['', ...waveApproval(wave)]));
	lines.push('', '## History', '', ...fleet.history.map(entry => `- ${entry.at} ${entry.message}`), '');
	return lines.join('\n');
}
