import {
	DeleteKeyPairCommand,
	DeleteSecurityGroupCommand,
	DescribeInstancesCommand,
	DescribeKeyPairsCommand,
	DescribeSecurityGroupsCommand,
	TerminateInstancesCommand,
	waitUntilInstanceTerminated,
	type EC2Client,
} from '@aws-sdk/client-ec2';
import type {BuildResources} from './packer/phases';

/** One thing a stopped Packer build left in the account, found by the id or name its log printed. */
export interface PackerLeftover {
	kind: 'instance' | 'key-pair' | 'security-group';
	/** The instance id, the key pair's name, the security group's id. */
	id: string;
	/** How the notice names it: `EC2 instance i-… (stopped)`, `key pair packer_…`, `security group sg-… (packer_…)`. */
	label: string;
}

export interface LeftoverRemoval {
	leftover: PackerLeftover;
	/** Why EC2 refused it; absent when it is gone. */
	error?: string;
}

const GONE_INSTANCE_STATES = new Set(['terminated', 'shutting-down']);
/** How long the instance may take to terminate before its security group is tried anyway. */
const TERMINATE_WAIT_SECONDS = 600;

function notFound(error: unknown, code: string): boolean {
	return error instanceof Error && error.name === code;
}

async function instanceLeftover(ec2: EC2Client, instanceId: string, signal?: AbortSignal): Promise<PackerLeftover | undefined> {
	let reservations;
	try {
		({Reservations: reservations} = await ec2.send(new DescribeInstancesCommand({InstanceIds: [instanceId]}), {abortSignal: signal}));
	} catch (error) {
		if (notFound(error, 'InvalidInstanceID.NotFound')) return undefined;
		throw error;
	}
	const state = reservations?.[0]?.Instances?.[0]?.State?.Name;
	if (!state || GONE_INSTANCE_STATES.has(state)) return undefined;
	return {kind: 'instance', id: instanceId, label: `EC2 instance ${instanceId} (${state})`};
}

async function keyPairLeftover(ec2: EC2Client, keyName: string, signal?: AbortSignal): Promise<PackerLeftover | undefined> {
	try {
		const {KeyPairs} = await ec2.send(new DescribeKeyPairsCommand({KeyNames: [keyName]}), {abortSignal: signal});
		if (!KeyPairs?.some(pair => pair.KeyName === keyName)) return undefined;
	} catch (error) {
		if (notFound(error, 'InvalidKeyPair.NotFound')) return undefined;
		// Packer's documented policy lacks ec2:DescribeKeyPairs; DeleteKeyPair of a missing pair succeeds anyway.
		if (notFound(error, 'UnauthorizedOperation'))
			return {kind: 'key-pair', id: keyName, label: `key pair ${keyName} (if it is still there)`};
		throw error;
	}
	return {kind: 'key-pair', id: keyName, label: `key pair ${keyName}`};
}

/** Packer's log names the group (`packer_<uuid>`); EC2 deletes it by id. */
async function securityGroupLeftover(ec2: EC2Client, groupName: string, signal?: AbortSignal): Promise<PackerLeftover | undefined> {
	const {SecurityGroups} = await ec2.send(new DescribeSecurityGroupsCommand({Filters: [{Name: 'group-name', Values: [groupName]}]}), {
		abortSignal: signal,
	});
	const groupId = SecurityGroups?.find(group => group.GroupName === groupName)?.GroupId;
	return groupId ? {kind: 'security-group', id: groupId, label: `security group ${groupId} (${groupName})`} : undefined;
}

/**
 * Which of the resources a build's log says it created (and did not say it removed) still exist:
 * looked up by exactly those ids and names, so nothing of another build is ever named.
 */
export async function findPackerLeftovers(ec2: EC2Client, created: BuildResources, signal?: AbortSignal): Promise<PackerLeftover[]> {
	const found = await Promise.all([
		created.instance ? instanceLeftover(ec2, created.instance, signal) : undefined,
		created.keyPair ? keyPairLeftover(ec2, created.keyPair, signal) : undefined,
		created.securityGroup ? securityGroupLeftover(ec2, created.securityGroup, signal) : undefined,
	]);
	return found.filter(leftover => leftover !== undefined);
}

/** Packer names its temporary key pair and security group `packer_<uuid>`; nothing else is ever taken for one of its leftovers. */
const PACKER_NAME = /^packer_[0-9a-f-]+$/;

/**
 * A killed Packer's leftovers when no log names them: the instances that carry the run's `ReleaseRun`
 * tag (the template's `run_tags`) in `states` (by default stopped, as Packer leaves its instance for
 * CreateImage, never one a live Packer still provisions), and the `packer_…` key pair and security
 * groups each was launched with, read from that instance. Another run's never carry this run's tag.
 */
export async function findRunLeftovers(
	ec2: EC2Client,
	runId: string,
	signal?: AbortSignal,
	states: string[] = ['stopped'],
): Promise<PackerLeftover[]> {
	const {Reservations} = await ec2.send(
		new DescribeInstancesCommand({
			Filters: [
				{Name: 'tag:ReleaseRun', Values: [runId]},
				{Name: 'instance-state-name', Values: states},
			],
		}),
		{abortSignal: signal},
	);
	const instances = (Reservations ?? []).flatMap(reservation => reservation.Instances ?? []);
	const found: PackerLeftover[] = [];
	for (const instance of instances) {
		found.push({
			kind: 'instance',
			id: instance.InstanceId!,
			label: `EC2 instance ${instance.InstanceId!} (${instance.State?.Name ?? 'unknown'})`,
		});
		if (instance.KeyName && PACKER_NAME.test(instance.KeyName)) {
			const pair = await keyPairLeftover(ec2, instance.KeyName, signal);
			if (pair) found.push(pair);
		}
		for (const group of instance.SecurityGroups ?? []) {
			if (group.GroupId && group.GroupName && PACKER_NAME.test(group.GroupName)) {
				found.push({kind: 'security-group', id: group.GroupId, label: `security group ${group.GroupId} (${group.GroupName})`});
			}
		}
	}
	return found;
}

async function removal(leftover: PackerLeftover, remove: () => Promise<unknown>): Promise<LeftoverRemoval> {
	try {
		await remove();
		return {leftover};
	} catch (error) {
		return {leftover, error: error instanceof Error ? error.message : String(error)};
	}
}

/**
 * Removes them in the order EC2 allows: the instance first (its security group cannot go while it
 * exists), then the key pair, then the group. A refusal is reported and the others are still tried.
 */
export async function removePackerLeftovers(ec2: EC2Client, leftovers: PackerLeftover[], signal?: AbortSignal): Promise<LeftoverRemoval[]> {
	const of = (kind: PackerLeftover['kind']) => leftovers.filter(leftover => leftover.kind === kind);
	const results: LeftoverRemoval[] = [];
	for (const instance of of('instance')) {
		results.push(
			await removal(instance, async () => {
				await ec2.send(new TerminateInstancesCommand({InstanceIds: [instance.id]}), {abortSignal: signal});
				await waitUntilInstanceTerminated(
					{client: ec2, maxWaitTime: TERMINATE_WAIT_SECONDS, minDelay: 1, maxDelay: 15, ...(signal ? {abortSignal: signal} : {})},
					{InstanceIds: [instance.id]},
				);
			}),
		);
	}
	for (const pair of of('key-pair')) {
		results.push(await removal(pair, () => ec2.send(new DeleteKeyPairCommand({KeyName: pair.id}), {abortSignal: signal})));
	}
	for (const group of of('security-group')) {
		results.push(await removal(group, () => ec2.send(new DeleteSecurityGroupCommand({GroupId: group.id}), {abortSignal: signal})));
	}
	return results;
}

/** The AWS CLI commands that remove them by hand, for the operator who declined or whose removal was refused. */
export function leftoverCommands(region: string, leftovers: PackerLeftover[]): string[] {
	return leftovers.map(leftover => {
		if (leftover.kind === 'instance') return `aws ec2 terminate-instances --region ${region} --instance-ids ${leftover.id}`;
		if (leftover.kind === 'key-pair') return `aws ec2 delete-key-pair --region ${region} --key-name ${leftover.id}`;
		return `aws ec2 delete-security-group --region ${region} --group-id ${leftover.id}`;
	});
}
