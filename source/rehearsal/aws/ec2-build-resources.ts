import {createHash, generateKeyPairSync, type KeyObject} from 'node:crypto';
import {filtersOf, matches, specifiedTags, tagSet, type Caller, type Ec2Handler} from './ec2-query';
import {listParam, stringParam, type QueryParams} from './form';
import {hexId} from './ids';
import {AwsError, type InstanceRecord, type KeyPairRecord, type SecurityGroupRecord} from './model';
import type {StandInState} from './state';

/** Refuses the call as EC2 does when the caller's policies lack `ec2:<action>` (seeded in `ec2Denied`). */
function authorize(state: StandInState, action: string): void {
	if (state.data.ec2Denied?.includes(action)) {
		throw new AwsError('UnauthorizedOperation', `You are not authorized to perform this operation. Action: ec2:${action}`, 403);
	}
}

function keyPairsOf(state: StandInState, caller: Caller): KeyPairRecord[] {
	return (state.data.keyPairs ?? []).filter(pair => pair.accountId === caller.accountId && pair.region === caller.region);
}

function groupsOf(state: StandInState, caller: Caller): SecurityGroupRecord[] {
	return (state.data.securityGroups ?? []).filter(group => group.accountId === caller.accountId && group.region === caller.region);
}

function instance(state: StandInState, instanceId: string): InstanceRecord {
	const found = state.data.instances.find(candidate => candidate.instanceId === instanceId);
	if (!found) throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
	return found;
}

/** A new RSA key as EC2 hands it out (PKCS#1 PEM, SHA-1 fingerprint of its PKCS#8 form), and its public half for SSH. */
function newKeyPair(): {keyMaterial: string; keyFingerprint: string; publicKey: string} {
	const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048});
	const fingerprint = createHash('sha1')
		.update(privateKey.export({type: 'pkcs8', format: 'der'}))
		.digest('hex');
	return {
		keyMaterial: privateKey.export({type: 'pkcs1', format: 'pem'}).toString(),
		keyFingerprint: fingerprint.match(/../g)!.join(':'),
		publicKey: openSshPublicKey(publicKey),
	};
}

/** `ssh-rsa AAAA…`: the key's exponent and modulus as SSH wire strings (RFC 4253 §6.6). */
function openSshPublicKey(key: KeyObject): string {
	const {e, n} = key.export({format: 'jwk'});
	const wire = (bytes: Buffer) => {
		const length = Buffer.alloc(4);
		length.writeUInt32BE(bytes.length);
		return Buffer.concat([length, bytes]);
	};
	const mpint = (base64url: string) => {
		const bytes = Buffer.from(base64url, 'base64url');
		return wire((bytes[0]! & 0x80) === 0 ? bytes : Buffer.concat([Buffer.from([0]), bytes]));
	};
	return `ssh-rsa ${Buffer.concat([wire(Buffer.from('ssh-rsa')), mpint(e!), mpint(n!)]).toString('base64')}`;
}

function stateChanges(state: StandInState, params: QueryParams, next: InstanceRecord['state'], shown: InstanceRecord['state']) {
	const ids = listParam(params.InstanceId).map(String);
	const changes = ids.map(instanceId => {
		const record = instance(state, instanceId);
		const previous = record.state;
		if (previous !== 'terminated') record.state = next;
		return {instanceId, previousState: {name: previous}, currentState: {name: previous === 'terminated' ? previous : shown}};
	});
	state.commit();
	return changes;
}

/** What an amazon-ebs build creates and removes: a key pair, a security group, the source instance. */
export const buildResourceHandlers: Record<string, Ec2Handler> = {
	CreateKeyPair(state, params, caller) {
		authorize(state, 'CreateKeyPair');
		const keyName = stringParam(params.KeyName) ?? '';
		if (keyPairsOf(state, caller).some(pair => pair.keyName === keyName)) {
			throw new AwsError('InvalidKeyPair.Duplicate', `The keypair '${keyName}' already exists.`);
		}
		const {keyMaterial, keyFingerprint, publicKey} = newKeyPair();
		const pair: KeyPairRecord = {
			keyPairId: hexId('key-'),
			keyName,
			accountId: caller.accountId,
			region: caller.region,
			tags: specifiedTags(params, 'key-pair'),
			publicKey,
		};
		(state.data.keyPairs ??= []).push(pair);
		state.commit();
		return {keyName, keyPairId: pair.keyPairId, keyFingerprint, keyMaterial};
	},

	DescribeKeyPairs(state, params, caller) {
		authorize(state, 'DescribeKeyPairs');
		const names = listParam(params.KeyName).map(String);
		const pairs = keyPairsOf(state, caller);
		const missing = names.find(name => !pairs.some(pair => pair.keyName === name));
		if (missing) throw new AwsError('InvalidKeyPair.NotFound', `The key pair '${missing}' does not exist`);
		const filters = filtersOf(params);
		return {
			keySet: pairs
				.filter(pair => (names.length === 0 || names.includes(pair.keyName)) && matches(filters, {'key-name': pair.keyName}, pair.tags))
				.map(pair => ({keyPairId: pair.keyPairId, keyName: pair.keyName, tagSet: tagSet(pair.tags)})),
		};
	},

	/** Like EC2, deleting a key pair that does not exist succeeds. */
	DeleteKeyPair(state, params, caller) {
		authorize(state, 'DeleteKeyPair');
		const keyName = stringParam(params.KeyName);
		const keyPairId = stringParam(params.KeyPairId);
		state.data.keyPairs = (state.data.keyPairs ?? []).filter(
			pair => !keyPairsOf(state, caller).includes(pair) || (pair.keyName !== keyName && pair.keyPairId !== keyPairId),
		);
		state.commit();
		return {return: true};
	},

	CreateSecurityGroup(state, params, caller) {
		authorize(state, 'CreateSecurityGroup');
		const groupName = stringParam(params.GroupName) ?? '';
		if (groupsOf(state, caller).some(group => group.groupName === groupName)) {
			throw new AwsError('InvalidGroup.Duplicate', `The security group '${groupName}' already exists for VPC 'vpc-standin'`);
		}
		const group: SecurityGroupRecord = {
			groupId: hexId('sg-'),
			groupName,
			description: stringParam(params.GroupDescription) ?? '',
			accountId: caller.accountId,
			region: caller.region,
			tags: specifiedTags(params, 'security-group'),
		};
		(state.data.securityGroups ??= []).push(group);
		state.commit();
		return {groupId: group.groupId};
	},

	DescribeSecurityGroups(state, params, caller) {
		const ids = listParam(params.GroupId).map(String);
		const groups = groupsOf(state, caller);
		const missing = ids.find(id => !groups.some(group => group.groupId === id));
		if (missing) throw new AwsError('InvalidGroup.NotFound', `The security group '${missing}' does not exist`);
		const filters = filtersOf(params);
		return {
			securityGroupInfo: groups
				.filter(
					group =>
						(ids.length === 0 || ids.includes(group.groupId)) &&
						matches(filters, {'group-id': group.groupId, 'group-name': group.groupName, description: group.description}, group.tags),
				)
				.map(group => ({
					ownerId: group.accountId,
					groupId: group.groupId,
					groupName: group.groupName,
					groupDescription: group.description,
					vpcId: 'vpc-standin',
					tagSet: tagSet(group.tags),
				})),
		};
	},

	/** Refused while an instance that is not terminated uses the group, as EC2 does. */
	DeleteSecurityGroup(state, params, caller) {
		authorize(state, 'DeleteSecurityGroup');
		const groupId = stringParam(params.GroupId);
		const groupName = stringParam(params.GroupName);
		const group = groupsOf(state, caller).find(candidate => candidate.groupId === groupId || candidate.groupName === groupName);
		if (!group) throw new AwsError('InvalidGroup.NotFound', `The security group '${groupId ?? groupName}' does not exist`);
		if (state.data.instances.some(user => user.state !== 'terminated' && user.securityGroupIds?.includes(group.groupId))) {
			throw new AwsError('DependencyViolation', `resource ${group.groupId} has a dependent object`);
		}
		state.data.securityGroups = (state.data.securityGroups ?? []).filter(candidate => candidate !== group);
		state.commit();
		return {return: true};
	},

	/** One instance outside any stack, `pending` until the next tick, on the loopback address. */
	RunInstances(state, params) {
		authorize(state, 'RunInstances');
		const record: InstanceRecord = {
			instanceId: hexId('i-'),
			imageId: stringParam(params.ImageId) ?? '',
			state: 'pending',
			stackName: '',
			instanceType: stringParam(params.InstanceType) ?? 't3.micro',
			launchTime: new Date().toISOString(),
			privateIpAddress: `10.0.8.${10 + (state.data.instances.length % 240)}`,
			tags: specifiedTags(params, 'instance'),
			...(stringParam(params.KeyName) ? {keyName: stringParam(params.KeyName)!} : {}),
			securityGroupIds: listParam(params.SecurityGroupId).map(String),
			publicIpAddress: '127.0.0.1',
		};
		state.data.instances.push(record);
		state.commit();
		return {
			reservationId: `r-${record.instanceId.slice(2)}`,
			instancesSet: [{instanceId: record.instanceId, imageId: record.imageId, instanceState: {code: 0, name: 'pending'}}],
		};
	},

	StopInstances(state, params) {
		authorize(state, 'StopInstances');
		return {instancesSet: stateChanges(state, params, 'stopping', 'stopping')};
	},

	/** The answer says `shutting-down`, as EC2's does; the next DescribeInstances shows it terminated. */
	TerminateInstances(state, params) {
		authorize(state, 'TerminateInstances');
		return {instancesSet: stateChanges(state, params, 'terminated', 'shutting-down')};
	},
};
