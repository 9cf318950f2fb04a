import type {AccountConfig} from '../config/schema';
import {outputsOf} from '../core/step-outputs';
import type {Run, RunEvent, RunEventInput} from '../core/types';

export type NotificationKind = 'started' | 'waiting' | 'failed' | 'finished';

/** One message about a run, as every target receives it (a Slack text, or the JSON of a webhook). */
export interface Notification {
	kind: NotificationKind;
	runId: string;
	env: string;
	stackName: string;
	runKind: Run['kind'];
	mode: Run['mode'];
	text: string;
	/** What a machine reading a webhook wants without parsing the text. */
	details: Record<string, string>;
}

type ChangeSetEvent = Extract<RunEventInput, {type: 'change-set'}>;

const MAX_TABLE_ROWS = 30;

/** The change set as a short table: the parameters whose value changes (NoEcho ones are never shown), then every resource change. */
function changeSetTable(changeSet: ChangeSetEvent): string[] {
	const parameters = changeSet.parameters
		.filter(parameter => !parameter.masked && parameter.old !== parameter.new)
		.map(parameter => `  ${parameter.key}: ${parameter.old ?? '(none)'} → ${parameter.new ?? '(none)'}`);
	const resources = changeSet.changes.map(
		change =>
			`  ${change.action} ${change.logicalId} (${change.resourceType})${change.replacement === 'True' ? ' REPLACED' : change.replacement === 'Conditional' ? ' may be replaced' : ''}`,
	);
	const rows = [
		...(parameters.length > 0 ? ['Parameters:', ...parameters] : []),
		...(resources.length > 0 ? ['Resources:', ...resources] : []),
	];
	return rows.length > MAX_TABLE_ROWS ? [...rows.slice(0, MAX_TABLE_ROWS), `  … and ${rows.length - MAX_TABLE_ROWS} more`] : rows;
}

function failureOf(run: Run): {step: string; reason: string} {
	const failed = run.steps.find(step => step.status === 'failed');
	return {step: failed?.id ?? 'unknown step', reason: failed?.error?.split('\n')[0] ?? 'see the journal'};
}

/**
 * What the notifications say about a run, from its events: the start, a wait for approval (with the
 * change set shown last) or for a manual confirmation, a failure (with the resume command) and the end
 * (with the AMI and the Convox version). Other events only feed what later messages say.
 */
export function createNotificationComposer(account: Pick<AccountConfig, 'stackName' | 'accountId'>, resumeCommand?: string) {
	let lastChangeSet: ChangeSetEvent | undefined;
	return (event: RunEvent, run: Run): Notification | undefined => {
		if (event.type === 'change-set') lastChangeSet = event;
		if (event.type !== 'run' || event.status === 'interrupted' || event.status === 'running') return undefined;
		const kind: NotificationKind = event.status === 'resumed' ? 'started' : event.status;
		const title = `convox-ami ${run.kind} ${run.id} (${run.env}: ${account.stackName}, account ${account.accountId}${run.mode === 'live' ? '' : `, ${run.mode}`})`;
		const base = {kind, runId: run.id, env: run.env, stackName: account.stackName, runKind: run.kind, mode: run.mode};
		// A fleet's rack is continued by its fleet's resume, never on its own.
		const resume = resumeCommand ?? `convox-ami resume ${run.id}`;
		switch (kind) {
			case 'started':
				return {...base, text: `${title} ${event.status}.`, details: {}};
			case 'waiting': {
				const {preview} = outputsOf(run, 'update-stack');
				const waitingOnApproval =
					preview && !outputsOf(run, 'update-stack').approval && lastChangeSet?.changeSetName === preview.changeSetName;
				if (waitingOnApproval) {
					return {
						...base,
						text: [
							`${title} waits for approval of change set ${preview.changeSetName}: ${preview.consoleUrl}`,
							...changeSetTable(lastChangeSet!),
							`Approve with: ${resume} --approve`,
						].join('\n'),
						details: {changeSetName: preview.changeSetName, consoleUrl: preview.consoleUrl, approveWith: `${resume} --approve`},
					};
				}
				return {
					...base,
					text: `${title} waits for a manual confirmation. Continue with: ${resume} --confirm ID`,
					details: {resumeWith: resume},
				};
			}
			case 'failed': {
				const {step, reason} = failureOf(run);
				return {
					...base,
					text: `${title} failed at ${step}: ${reason}\nResume with: ${resume}`,
					details: {step, reason, resumeWith: resume},
				};
			}
			case 'finished': {
				const build = outputsOf(run, 'build');
				const amiId = build.amiIds?.[run.options.region] ?? build.amiId ?? run.rollbackOf?.ami ?? '';
				const convoxVersion = outputsOf(run, 'resolve-version').convoxVersion ?? run.rollbackOf?.version ?? '';
				return {
					...base,
					text: `${title} finished${amiId ? `: AMI ${amiId}` : ''}${convoxVersion ? `, Convox ${convoxVersion}` : ''}.`,
					details: {amiId, convoxVersion},
				};
			}
		}
	};
}
