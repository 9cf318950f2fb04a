import {paginateDescribeInstances, type EC2Client} from '@aws-sdk/client-ec2';
import {fail, pass, type ProbeOutcome} from './outcome';

export interface RackInstance {
	id: string;
	amiId: string;
	/** The instance profile it runs with, when it has one. */
	instanceProfileArn?: string;
	launchedAt: Date;
}

/** Running instances tagged by CloudFormation with the stack's name (the rack's Auto Scaling group propagates the tag). */
export async function listRackInstances(ec2: EC2Client, stackName: string, signal?: AbortSignal): Promise<RackInstance[]> {
	const instances: RackInstance[] = [];
	const pages = paginateDescribeInstances(
		{client: ec2, pageSize: 100},
		{
			Filters: [
				{Name: 'tag:aws:cloudformation:stack-name', Values: [stackName]},
				{Name: 'instance-state-name', Values: ['running']},
			],
		},
	);
	for await (const page of pages) {
		signal?.throwIfAborted();
		for (const reservation of page.Reservations ?? []) {
			for (const instance of reservation.Instances ?? []) {
				const instanceProfileArn = instance.IamInstanceProfile?.Arn;
				// EC2 always answers LaunchTime; without one, only what happens from now on would count.
				instances.push({
					id: instance.InstanceId ?? '?',
					amiId: instance.ImageId ?? '?',
					launchedAt: instance.LaunchTime ?? new Date(),
					...(instanceProfileArn ? {instanceProfileArn} : {}),
				});
			}
		}
	}
	return instances;
}

export function judgeInstances(instances: Array<Pick<RackInstance, 'id' | 'amiId'>>, stackName: string, amiId: string): ProbeOutcome {
	if (instances.length === 0) return fail(`no running instances tagged aws:cloudformation:stack-name=${stackName}`);
	const onTarget = instances.filter(instance => instance.amiId === amiId).length;
	const summary = `${onTarget} of ${instances.length} on ${amiId}`;
	if (onTarget === instances.length) return pass(summary);
	const others = instances
		.filter(instance => instance.amiId !== amiId)
		.slice(0, 5)
		.map(instance => `${instance.id} on ${instance.amiId}`);
	const more = instances.length - onTarget > others.length ? ', …' : '';
	return fail(`${summary}; ${others.join(', ')}${more}`);
}
