import {describe, expect, it} from 'vitest';
import type {RunEvent} from '../../source/core/types';
import {createNotificationComposer} from '../../source/services/notification-messages';
import {createRun} from '../../source/workflow/plan';
import {reduceRun} from '../../source/workflow/reducer';

const ACCOUNT = {stackName: 'convox-dev-eu-1', accountId: '111111111111'};
const CHANGE_SET = 'convox-ami-20261207-110000-dev-eu-1-abcd';

/** A rack's release that showed its change set and stopped waiting for approval (`--until preview`). */
function waitingRelease() {
	const at = () => new Date().toISOString();
	let run = createRun({
		id: '20261207-110000-dev-eu-1-abcd',
		kind: 'release',
		account: 'dev-eu-1',
		mode: 'live',
		production: false,
		options: {region: 'eu-west-1', dryRun: false, confirm: [], yes: false},
	});
	const preview = {
		changeSetName: CHANGE_SET,
		consoleUrl: 'https://console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/changesets/changes',
		previewedAt: at(),
		stackStatus: 'UPDATE_COMPLETE',
		stackLastUpdated: null,
		parametersDigest: 'digest',
	};
	const events: RunEvent[] = [
		{
			type: 'change-set',
			step: 'update-stack',
			stackName: ACCOUNT.stackName,
			changeSetName: CHANGE_SET,
			parameters: [],
			changes: [],
			dropped: [],
		},
		{type: 'checkpoint', step: 'update-stack', outputs: {preview}},
		{type: 'run', status: 'waiting'},
	] as RunEvent[];
	for (const event of events) run = reduceRun(run, {...event, runId: run.id, at: at()} as never);
	return {run, events};
}

describe('the notification of a run waiting for approval names what continues it', () => {
	it('a run of its own: its resume', () => {
		const {run, events} = waitingRelease();
		const compose = createNotificationComposer(ACCOUNT);
		const messages = events.map(event => compose(event, run)).filter(Boolean);
		expect(messages).toHaveLength(1);
		expect(messages[0]!.details).toMatchObject({changeSetName: CHANGE_SET, approveWith: `convox-ami resume ${run.id} --approve`});
	});

	it("a fleet's rack: its fleet's resume, never the rack's run alone", () => {
		const {run, events} = waitingRelease();
		const compose = createNotificationComposer(ACCOUNT, 'convox-ami resume 20261207-105500-fleet-demo-wxyz');
		const [message] = events.map(event => compose(event, run)).filter(Boolean);
		expect(message!.details).toMatchObject({approveWith: 'convox-ami resume 20261207-105500-fleet-demo-wxyz --approve'});
		expect(message!.text).toContain('Approve with: convox-ami resume 20261207-105500-fleet-demo-wxyz --approve');
		expect(message!.text).not.toContain(`resume ${run.id}`);
	});
});
