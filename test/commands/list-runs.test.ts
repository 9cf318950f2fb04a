import {describe, expect, it} from 'vitest';
import {formatRunsTable, summarize} from '../../source/commands/list-runs';
import {createRun} from '../../source/workflow/plan';
import {reduceRun} from '../../source/workflow/reducer';
import type {Run, RunEventInput} from '../../source/workflow/types';

function runWith(id: string, kind: Run['kind'], mode: Run['mode'], events: RunEventInput[]): Run {
	const run = createRun({
		id,
		kind,
		env: 'prod',
		mode,
		production: true,
		options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
	});
	return events.reduce((current, event) => reduceRun(current, {...event, runId: id, at: new Date().toISOString()} as never), run);
}

describe('convox-ami runs', () => {
	it('shows the step reached, the status, the AMI and the version of each run within 100 columns', () => {
		const finished = runWith('20261125-012547-prod-ysa4', 'release', 'live', [
			{type: 'step', step: 'resolve-version', status: 'done', outputs: {convoxVersion: '20160916121812'}},
			{type: 'step', step: 'build', status: 'done', outputs: {amiId: 'ami-571ad642a3f94a746'}},
			{type: 'run', status: 'finished', env: 'prod', mode: 'live', kind: 'release'},
		]);
		const interrupted = runWith('20261125-013000-prod-abcd', 'checklist', 'rehearsal', [
			{type: 'step', step: 'account', status: 'done'},
			{type: 'step', step: 'verify', status: 'failed', error: 'Interrupted'},
			{type: 'run', status: 'interrupted', env: 'prod', mode: 'rehearsal', kind: 'checklist'},
		]);
		expect(summarize(interrupted)).toMatchObject({step: 'verify', status: 'interrupted', ami: '', convoxVersion: ''});
		const table = formatRunsTable([finished, interrupted].map(summarize)).split('\n');
		expect(table[0]).toMatch(/^RUN +ENV +STEP +STATUS +AMI +CONVOX$/);
		expect(table[1]).toMatch(/^20261125-012547-prod-ysa4 +prod +done +finished +ami-571ad642a3f94a746 +20160916121812$/);
		expect(table[2]).toMatch(/verify +interrupted +- +- +checklist, rehearsal$/);
		for (const line of table.slice(0, 2)) expect(line.length).toBeLessThanOrEqual(100);
	});
});
