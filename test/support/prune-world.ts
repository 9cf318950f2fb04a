import {request as httpRequest, type IncomingMessage} from 'node:http';
import {rackStackSeed, type ImageInput} from '../../source/rehearsal/aws-stand-in';
import {JournalStore} from '../../source/workflow/journal-store';
import {newReleaseRun} from './runs';
import type {Run, StepRecord} from '../../source/core/types';
import {serve, type Loopback} from './loopback';

const DEV = '111111111111';
const DAY_MS = 24 * 60 * 60 * 1000;

/** A year of dev AMIs in us-east-1, each of which one keep rule or one stage decides. */
export const AMI = {
	stack: 'ami-0a000000000000001',
	rollback: 'ami-0a000000000000002',
	template: 'ami-0a000000000000003',
	instance: 'ami-0a000000000000004',
	protected: 'ami-0a000000000000005',
	newest1: 'ami-0a000000000000006',
	newest2: 'ami-0a000000000000007',
	newest3: 'ami-0a000000000000008',
	young: 'ami-0a000000000000009',
	toDeprecate: 'ami-0a00000000000000a',
	inGrace: 'ami-0a00000000000000b',
	toDisable: 'ami-0a00000000000000c',
	disabledInGrace: 'ami-0a00000000000000d',
	toDeregister: 'ami-0a00000000000000e',
	launchedSince: 'ami-0a00000000000000f',
	refused: 'ami-0a000000000000010',
	unavailable: 'ami-0a000000000000011',
} as const;

export const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

/** One of dev's AMIs in us-east-1, made `ageDays` ago by a release of this tool. */
export function ami(imageId: string, ageDays: number, more: Partial<ImageInput> = {}): ImageInput {
	return {
		imageId,
		name: `convox-dev-${imageId.slice(-2)}`,
		ownerId: DEV,
		region: 'us-east-1',
		creationDate: daysAgo(ageDays),
		tags: {ReleaseRun: `r-${imageId.slice(-2)}`},
		...more,
	};
}

const pruneImages: ImageInput[] = [
	ami(AMI.stack, 200),
	ami(AMI.rollback, 190),
	ami(AMI.template, 180),
	ami(AMI.instance, 170),
	ami(AMI.protected, 160, {deregistrationProtection: true}),
	ami(AMI.newest1, 5),
	ami(AMI.newest2, 10),
	ami(AMI.newest3, 15),
	ami(AMI.young, 25),
	ami(AMI.toDeprecate, 300),
	ami(AMI.inGrace, 310, {deprecationTime: daysAgo(3)}),
	ami(AMI.toDisable, 320, {deprecationTime: daysAgo(20)}),
	ami(AMI.disabledInGrace, 330, {deprecationTime: daysAgo(20), state: 'disabled'}),
	ami(AMI.toDeregister, 340, {deprecationTime: daysAgo(40), state: 'disabled'}),
	ami(AMI.launchedSince, 350, {deprecationTime: daysAgo(20), lastLaunchedTime: daysAgo(2)}),
	ami(AMI.refused, 360),
	ami(AMI.unavailable, 365, {deprecationTime: daysAgo(30)}),
];

export const pruneWorldAws = {
	stacks: [rackStackSeed({stackName: 'convox-dev', parameters: {Ami: AMI.stack}})],
	images: pruneImages,
	launchTemplates: [{name: 'builder', accountId: DEV, region: 'us-east-1', imageId: AMI.template}],
	looseInstances: [{name: 'bastion', imageId: AMI.instance}],
	recycleBinRules: [
		{
			accountId: DEV,
			region: 'us-east-1',
			identifier: 'rule-ami-week',
			description: 'AMIs',
			retentionDays: 7,
			resourceTags: ['Team=convox'],
		},
	],
	imageRefusals: [
		{action: 'EnableImageDeprecation', imageId: AMI.refused, code: 'UnauthorizedOperation'},
		{action: 'DisableImage', imageId: AMI.unavailable, code: 'InvalidAMIID.Unavailable'},
	],
};

/** A finished release run of dev in us-east-1 whose steps named in `outputs` are done with them. */
export function finishedRun(id: string, outputs: Partial<Record<StepRecord['id'], object>>): Run {
	const run = newReleaseRun(id);
	return {
		...run,
		status: 'finished',
		steps: run.steps.map(step => (outputs[step.id] ? {...step, status: 'done', outputs: outputs[step.id]!} : step)),
	};
}

/** The journal of the release that put the stack on AMI.stack, from AMI.rollback (its rollback target). */
export async function journalWithRollbackTarget(stateDir: string): Promise<void> {
	const store = new JournalStore(stateDir);
	await store.ensureWritable();
	store.save(
		finishedRun('r-stack', {
			build: {amiId: AMI.stack, amiIds: {'us-east-1': AMI.stack}},
			'update-stack': {stackStatus: 'UPDATE_COMPLETE', previousAmi: AMI.rollback, previousVersion: '20160820033210', changeSetName: null},
		}),
	);
}

/**
 * An EC2 endpoint in front of the stand-in that passes every request on, except that it holds back the
 * answer to the first request for `action` (the stand-in has carried it out), for a kill to land while
 * the CLI waits for it.
 */
export async function holdingProxy(target: string, action: string): Promise<Loopback & {held: Promise<void>}> {
	let reached!: () => void;
	const held = new Promise<void>(resolve => (reached = resolve));
	let holding = false;
	const proxy = await serve((request: IncomingMessage, response) => {
		const chunks: Buffer[] = [];
		request.on('data', chunk => chunks.push(chunk as Buffer));
		request.on('end', () => {
			const body = Buffer.concat(chunks);
			const hold = !holding && new URLSearchParams(body.toString()).get('Action') === action;
			if (hold) holding = true;
			const forward = httpRequest(`${target}${request.url ?? '/'}`, {method: request.method, headers: request.headers}, answer => {
				if (hold) {
					answer.resume();
					answer.on('end', reached);
					return;
				}
				response.writeHead(answer.statusCode ?? 500, answer.headers);
				answer.pipe(response);
			});
			forward.end(body);
		});
	});
	return {...proxy, held};
}
