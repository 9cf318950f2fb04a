import {rackInstanceRole, type InstanceRoleSeed} from './iam-roles';
import {hexId, randomUUID} from './ids';
import {
	AwsError,
	type ActiveUpdate,
	type ChangeSetRecord,
	type EventSpec,
	type ImageRecord,
	type InstanceRecord,
	type LaunchConfigurationRecord,
	type LaunchTemplateRecord,
	type ResourceChangeRecord,
	type Scenario,
	type StackConfiguration,
	type StackRecord,
	type StandInData,
	type UpdateStep,
} from './model';
import {summarizeTemplate} from './templates';
import {planRollback, planUpdate, resourceChanges} from './update-plan';

/** A stack as `aws cloudformation describe-stacks` prints it, plus what the stand-in needs to play it. */
export interface StackSeed {
	StackName: string;
	StackId?: string;
	StackStatus?: string;
	StackStatusReason?: string;
	Description?: string;
	CreationTime?: string;
	LastUpdatedTime?: string;
	Parameters?: Array<{ParameterKey: string; ParameterValue?: string}>;
	Capabilities?: string[];
	Outputs?: Array<{OutputKey: string; OutputValue: string; Description?: string}>;
	Tags?: Array<{Key: string; Value: string}>;
	DisableRollback?: boolean;
	/** What the next updates play out (default 'clean'); 'in-progress' starts the stack mid-update. */
	scenario?: Scenario | Scenario[];
	/** The stack's current template (JSON object); gives NoEcho and defaults. Without it every parameter is a plain String. */
	template?: unknown;
	templateUrl?: string;
	/** Running instances to create for the stack (default: its InstanceCount parameter, else 3). */
	instances?: number;
	/** Image of those instances (default: the stack's Ami parameter, else the stand-in's baseImageId); with an empty Ami, also what an update back to an empty Ami launches. */
	instanceImageId?: string;
	/** The role its instances run with (default: an InstancesRole allowing the rack's actions); false: none. */
	instanceRole?: InstanceRoleSeed | false;
}

export interface ImageInput {
	name: string;
	imageId?: string;
	ownerId?: string;
	ownerAlias?: string;
	state?: ImageRecord['state'];
	description?: string;
	architecture?: string;
	tags?: Record<string, string>;
	public?: boolean;
	launchPermissions?: string[];
	creationDate?: string;
	/** Default: none, the image answers in every region. */
	region?: string;
	encrypted?: boolean;
	stateReason?: {code: string; message: string};
	lastLaunchedTime?: string;
	deprecationTime?: string;
	deregistrationProtection?: boolean;
}

export interface LaunchTemplateSeed {
	name: string;
	accountId: string;
	region: string;
	imageId: string;
	/** Default 1. */
	versionNumber?: number;
}

export interface LaunchConfigurationSeed {
	name: string;
	accountId: string;
	region: string;
	imageId: string;
	/** Default t3.medium. */
	instanceType?: string;
}

/** An instance outside any rack (a bastion, a build host); `name` stands where a rack's stack name would. */
export interface LooseInstanceSeed {
	name: string;
	imageId: string;
	/** Default: a rack instance's tags, with `name` as the stack's. */
	tags?: Record<string, string>;
}

export interface ImageCopyRequest {
	ownerId: string;
	sourceRegion: string;
	sourceImageId: string;
	targetRegion: string;
	name: string;
	description?: string;
	encrypted: boolean;
	/** Copy the source's user tags (CopyImageTags). */
	copyTags: boolean;
	tags: Record<string, string>;
	clientToken?: string;
}

export interface ImageCopySettings {
	/** How long a copy stays `pending`. */
	delayMs: number;
	/** Target regions whose copies end `failed`. */
	failIn?: string[];
	failureReason?: string;
}

export interface SimulationSettings {
	accountId: string;
	baseImageId: string;
	/** Idle ticks between two steps of a 'slow' update. */
	slowTicks: number;
	/** How long a new change set stays CREATE_PENDING/CREATE_IN_PROGRESS. */
	changeSetDelayMs: number;
	/** Reason of the failing resource in 'rollback' and 'rollback-failed'. */
	failureReason?: string;
	imageCopies?: ImageCopySettings;
}

/** Where an instance RunInstances or StopInstances left in a passing state is one tick later. */
const settledStates = {pending: 'running', stopping: 'stopped'} as const;

const updatableStatuses = new Set([
	'CREATE_COMPLETE',
	'UPDATE_COMPLETE',
	'UPDATE_ROLLBACK_COMPLETE',
	'IMPORT_COMPLETE',
	'IMPORT_ROLLBACK_COMPLETE',
]);
const noChangesReason = "The submitted information didn't contain changes. Submit different information to create a change set.";

export function emptyData(region: string): StandInData {
	return {schema: 1, region, sequence: 0, stacks: {}, images: [], instances: [], ssmParameters: {}};
}

/** Stacks from `aws cloudformation describe-stacks` output (`{"Stacks": [...]}`) or a bare list. */
export function stacksFromDescribeStacks(json: unknown): StackSeed[] {
	const stacks = Array.isArray(json) ? json : (json as {Stacks?: unknown})?.Stacks;
	if (!Array.isArray(stacks) || stacks.some(stack => typeof stack?.StackName !== 'string')) {
		throw new TypeError('Expected describe-stacks output: {"Stacks": [{"StackName": ...}]}');
	}

	return stacks as StackSeed[];
}

/**
 * The stand-in's world: stacks, images and instances, and the clock that plays out updates.
 * Tests and the rehearsal read and change it directly (e.g. `registerImage` as if Packer built one).
 */
export class StandInState {
	constructor(
		readonly data: StandInData,
		private readonly settings: SimulationSettings,
		private readonly changed: () => void = () => undefined,
	) {}

	/** Records a change made outside the state's own methods (saved to the state file, if any). */
	commit(): void {
		this.changed();
	}

	findStack(nameOrId: string): StackRecord | undefined {
		return this.data.stacks[nameOrId] ?? Object.values(this.data.stacks).find(stack => stack.stackId === nameOrId);
	}

	stack(nameOrId: string): StackRecord {
		const stack = this.findStack(nameOrId);
		if (!stack) {
			throw new AwsError('ValidationError', `Stack with id ${nameOrId} does not exist`);
		}

		return stack;
	}

	/** Parameter values of a stack as a plain object. */
	parameters(nameOrId: string): Record<string, string> {
		return Object.fromEntries(this.stack(nameOrId).parameters.map(parameter => [parameter.key, parameter.value]));
	}

	addStack(seed: StackSeed): StackRecord {
		const region = this.data.region;
		const template = seed.template === undefined ? undefined : summarizeTemplate(seed.template);
		const parameters = (seed.Parameters ?? []).map(parameter => ({key: parameter.ParameterKey, value: parameter.ParameterValue ?? ''}));
		const scenarios = seed.scenario === undefined ? ['clean' as const] : [seed.scenario].flat();
		const stack: StackRecord = {
			stackId: seed.StackId ?? `arn:aws:cloudformation:${region}:${this.settings.accountId}:stack/${seed.StackName}/${randomUUID()}`,
			stackName: seed.StackName,
			...(seed.Description ? {description: seed.Description} : {}),
			status: seed.StackStatus ?? 'UPDATE_COMPLETE',
			...(seed.StackStatusReason ? {statusReason: seed.StackStatusReason} : {}),
			creationTime: seed.CreationTime ?? new Date().toISOString(),
			...(seed.LastUpdatedTime ? {lastUpdatedTime: seed.LastUpdatedTime} : {}),
			parameters,
			templateParameters: template?.parameters ?? parameters.map(parameter => ({key: parameter.key, type: 'String', noEcho: false})),
			...(seed.templateUrl ? {templateUrl: seed.templateUrl} : {}),
			capabilities: seed.Capabilities ?? ['CAPABILITY_IAM'],
			outputs: (seed.Outputs ?? []).map(output => ({
				key: output.OutputKey,
				value: output.OutputValue,
				...(output.Description ? {description: output.Description} : {}),
			})),
			tags: (seed.Tags ?? []).map(tag => ({key: tag.Key, value: tag.Value})),
			disableRollback: seed.DisableRollback ?? false,
			scenarios,
			events: [],
			changeSets: [],
		};
		this.data.stacks[stack.stackName] = stack;
		this.appendEvents(
			stack,
			[
				{
					logicalId: stack.stackName,
					resourceType: 'AWS::CloudFormation::Stack',
					physicalId: stack.stackId,
					status: stack.status,
					...(stack.statusReason ? {reason: stack.statusReason} : {}),
				},
			],
			stack.lastUpdatedTime ?? stack.creationTime,
		);

		if (seed.instanceRole !== false) {
			const accountId = stack.stackId.split(':')[4] ?? this.settings.accountId;
			this.data.iamRoles = [...(this.data.iamRoles ?? []), rackInstanceRole(stack.stackName, accountId, seed.instanceRole)];
		}

		const values = this.parameters(stack.stackName);
		const count = seed.instances ?? (Number(values.InstanceCount) || 3);
		const imageId = seed.instanceImageId ?? (values.Ami || this.settings.baseImageId);
		if (!values.Ami && seed.instanceImageId) stack.stockImageId = seed.instanceImageId;
		for (let index = 0; index < count; index++) {
			this.launchInstance(stack, imageId, 'running');
		}

		if (scenarios[0] === 'in-progress') {
			this.startInProgressUpdate(stack);
		}

		this.changed();
		return stack;
	}

	/** Changes what the next update of the stack plays out. */
	setScenario(nameOrId: string, scenario: Scenario | Scenario[]): void {
		this.stack(nameOrId).scenarios = [scenario].flat();
		this.changed();
	}

	registerImage(input: ImageInput): ImageRecord {
		const image: ImageRecord = {
			imageId: input.imageId ?? hexId('ami-'),
			name: input.name,
			ownerId: input.ownerId ?? this.settings.accountId,
			...(input.ownerAlias ? {ownerAlias: input.ownerAlias} : {}),
			state: input.state ?? 'available',
			creationDate: input.creationDate ?? new Date().toISOString(),
			...(input.description ? {description: input.description} : {}),
			// An image built from another (Packer tags it SourceAmi) has that image's architecture.
			architecture: input.architecture ?? (input.tags?.SourceAmi ? this.image(input.tags.SourceAmi)?.architecture : undefined) ?? 'x86_64',
			tags: input.tags ?? {},
			public: input.public ?? false,
			launchPermissions: input.launchPermissions ?? [],
			...(input.region ? {region: input.region} : {}),
			...(input.encrypted === undefined ? {} : {encrypted: input.encrypted}),
			...(input.stateReason ? {stateReason: input.stateReason} : {}),
			...(input.lastLaunchedTime ? {lastLaunchedTime: input.lastLaunchedTime} : {}),
			...(input.deprecationTime ? {deprecationTime: input.deprecationTime} : {}),
			...(input.deregistrationProtection ? {deregistrationProtection: true} : {}),
		};
		this.data.images = [...this.data.images.filter(existing => existing.imageId !== image.imageId), image];
		this.changed();
		return image;
	}

	image(imageId: string): ImageRecord | undefined {
		this.settleCopies();
		return this.data.images.find(image => image.imageId === imageId);
	}

	addLaunchTemplate(seed: LaunchTemplateSeed): LaunchTemplateRecord {
		const template: LaunchTemplateRecord = {
			launchTemplateId: hexId('lt-'),
			launchTemplateName: seed.name,
			accountId: seed.accountId,
			region: seed.region,
			versionNumber: seed.versionNumber ?? 1,
			imageId: seed.imageId,
			createTime: new Date().toISOString(),
		};
		this.data.launchTemplates = [...(this.data.launchTemplates ?? []), template];
		this.changed();
		return template;
	}

	/** The launch templates of an account in a region. */
	launchTemplatesOf(accountId: string, region: string): LaunchTemplateRecord[] {
		return (this.data.launchTemplates ?? []).filter(template => template.accountId === accountId && template.region === region);
	}

	addLaunchConfiguration(seed: LaunchConfigurationSeed): void {
		const configuration = {instanceType: 't3.medium', ...seed, createdTime: new Date().toISOString()};
		this.data.launchConfigurations = [...(this.data.launchConfigurations ?? []), configuration];
		this.changed();
	}

	/** The launch configurations of an account in a region, by name (as Auto Scaling lists them). */
	launchConfigurationsOf(accountId: string, region: string): LaunchConfigurationRecord[] {
		return (this.data.launchConfigurations ?? [])
			.filter(configuration => configuration.accountId === accountId && configuration.region === region)
			.sort((a, b) => a.name.localeCompare(b.name));
	}

	runLooseInstance(seed: LooseInstanceSeed): void {
		this.data.instances.push({
			instanceId: hexId('i-'),
			imageId: seed.imageId,
			state: 'running',
			stackName: seed.name,
			instanceType: 't3.micro',
			launchTime: new Date().toISOString(),
			privateIpAddress: `10.0.9.${10 + (this.data.instances.length % 240)}`,
			...(seed.tags ? {tags: seed.tags} : {}),
		});
		this.changed();
	}

	/** The images EC2 in `region` answers with: the region's own and those seeded without a region. */
	imagesIn(region: string): ImageRecord[] {
		this.settleCopies();
		return this.data.images.filter(image => image.region === undefined || image.region === region);
	}

	imageIn(region: string, imageId: string): ImageRecord | undefined {
		return this.imagesIn(region).find(image => image.imageId === imageId);
	}

	/** CopyImage: a new image in the target region, `pending` until the copy delay has passed. */
	copyImage(request: ImageCopyRequest): ImageRecord {
		const again = request.clientToken
			? this.imagesIn(request.targetRegion).find(image => image.clientToken === request.clientToken && image.ownerId === request.ownerId)
			: undefined;
		if (again) {
			return again;
		}

		const source = this.imageIn(request.sourceRegion, request.sourceImageId);
		if (!source || !(source.ownerId === request.ownerId || source.public || source.launchPermissions.includes(request.ownerId))) {
			throw new AwsError('InvalidAMIID.NotFound', `The image id '[${request.sourceImageId}]' does not exist in ${request.sourceRegion}`);
		}

		if (source.ownerId !== request.ownerId) {
			throw new AwsError(
				'AuthFailure',
				`Not authorized to copy image ${request.sourceImageId}: it belongs to account ${source.ownerId}`,
				403,
			);
		}

		const duplicate = this.imagesIn(request.targetRegion).find(
			image => image.ownerId === request.ownerId && image.name === request.name && image.state !== 'failed',
		);
		if (duplicate) {
			throw new AwsError('InvalidAMIName.Duplicate', `AMI name ${request.name} is already in use by AMI ${duplicate.imageId}`);
		}

		const userTags = request.copyTags ? Object.fromEntries(Object.entries(source.tags).filter(([key]) => !key.startsWith('aws:'))) : {};
		const image: ImageRecord = {
			imageId: hexId('ami-'),
			name: request.name,
			ownerId: request.ownerId,
			state: 'pending',
			creationDate: new Date().toISOString(),
			...((request.description ?? source.description) ? {description: request.description ?? source.description} : {}),
			architecture: source.architecture,
			tags: {...userTags, ...request.tags},
			public: false,
			launchPermissions: [],
			region: request.targetRegion,
			encrypted: request.encrypted || (source.encrypted ?? false),
			copiedFrom: {region: request.sourceRegion, imageId: source.imageId},
			...(request.clientToken ? {clientToken: request.clientToken} : {}),
			completesAt: Date.now() + (this.settings.imageCopies?.delayMs ?? 0),
		};
		this.data.images.push(image);
		this.changed();
		return image;
	}

	/** Pending copies whose time has come end `available`, or `failed` in the regions set to fail. */
	private settleCopies(): void {
		const now = Date.now();
		const due = this.data.images.filter(image => image.state === 'pending' && image.completesAt !== undefined && image.completesAt <= now);
		for (const image of due) {
			const fails = this.settings.imageCopies?.failIn?.includes(image.region ?? this.data.region) ?? false;
			image.state = fails ? 'failed' : 'available';
			if (fails) {
				image.stateReason = {
					code: 'Server.InternalError',
					message: this.settings.imageCopies?.failureReason ?? 'Internal error: the snapshot copy did not complete',
				};
			}

			delete image.completesAt;
		}

		if (due.length > 0) {
			this.changed();
		}
	}

	instancesOf(stackName: string, states: Array<InstanceRecord['state']> = ['pending', 'running']): InstanceRecord[] {
		return this.data.instances.filter(instance => instance.stackName === stackName && states.includes(instance.state));
	}

	changeSetState(changeSet: ChangeSetRecord): {status: string; executionStatus: string; statusReason?: string} {
		if (changeSet.executionStatus) {
			return {status: 'CREATE_COMPLETE', executionStatus: changeSet.executionStatus};
		}

		const elapsed = Date.now() - changeSet.createdAt;
		if (elapsed < this.settings.changeSetDelayMs / 2) {
			return {status: 'CREATE_PENDING', executionStatus: 'UNAVAILABLE'};
		}

		if (elapsed < this.settings.changeSetDelayMs) {
			return {status: 'CREATE_IN_PROGRESS', executionStatus: 'UNAVAILABLE'};
		}

		if (changeSet.changes.length === 0) {
			return {status: 'FAILED', executionStatus: 'UNAVAILABLE', statusReason: noChangesReason};
		}

		return {status: 'CREATE_COMPLETE', executionStatus: 'AVAILABLE'};
	}

	assertUpdatable(stack: StackRecord): void {
		if (!updatableStatuses.has(stack.status)) {
			throw new AwsError('ValidationError', `Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
		}
	}

	snapshot(stack: StackRecord): StackConfiguration {
		return {
			parameters: stack.parameters.map(parameter => ({...parameter})),
			templateParameters: stack.templateParameters,
			...(stack.templateUrl ? {templateUrl: stack.templateUrl} : {}),
			capabilities: stack.capabilities,
		};
	}

	/** Starts an update (ExecuteChangeSet, UpdateStack): the first step is applied at once, the rest on ticks. */
	beginUpdate(stack: StackRecord, target: StackConfiguration, changes: ResourceChangeRecord[], changeSetId?: string): void {
		this.assertUpdatable(stack);
		const scenario = stack.scenarios[0] ?? 'clean';
		if (stack.scenarios.length > 1) {
			stack.scenarios.shift();
		}

		const targetAmi =
			target.parameters.find(parameter => parameter.key === 'Ami')?.value || stack.stockImageId || this.settings.baseImageId;
		const update: ActiveUpdate = {
			scenario,
			steps: planUpdate({
				stack,
				changes,
				instances: this.instancesOf(stack.stackName, ['running']),
				targetAmi,
				scenario,
				...(this.settings.failureReason ? {failureReason: this.settings.failureReason} : {}),
			}),
			position: 0,
			idleTicks: 0,
			...(changeSetId ? {changeSetId} : {}),
			previous: this.snapshot(stack),
			target,
			changes,
			touched: [],
			completed: [],
			launched: [],
			terminated: [],
			failed: [],
		};
		stack.update = update;
		stack.changeSets = stack.changeSets.filter(changeSet => changeSet.id === changeSetId);
		for (const changeSet of stack.changeSets) {
			changeSet.executionStatus = 'EXECUTE_IN_PROGRESS';
		}

		this.advance(stack, update);
		this.changed();
	}

	cancelUpdate(stack: StackRecord): void {
		const update = stack.update;
		if (!update || stack.status !== 'UPDATE_IN_PROGRESS') {
			throw new AwsError('ValidationError', `CancelUpdateStack cannot be called from current stack status ${stack.status}`);
		}

		update.steps = [
			...update.steps.slice(0, update.position),
			...planRollback(update, stack, this.instancesById(), {cancelled: true, fails: false}),
		];
		update.idleTicks = 0;
		this.changed();
	}

	/** Advances every update by one step (or one idle tick of a slow one); a starting or stopping instance gets there. */
	tick(): boolean {
		let changed = this.settleInstances();
		for (const stack of Object.values(this.data.stacks)) {
			const update = stack.update;
			if (!update) {
				continue;
			}

			changed = true;
			if (update.idleTicks > 0) {
				update.idleTicks--;
				continue;
			}

			this.advance(stack, update);
		}

		if (changed) {
			this.changed();
		}

		return changed;
	}

	private settleInstances(): boolean {
		// A stack's instances move with its update; only those of RunInstances settle by themselves.
		const moving = this.data.instances.filter(instance => instance.stackName === '' && instance.state in settledStates);
		for (const instance of moving) instance.state = settledStates[instance.state as keyof typeof settledStates];
		return moving.length > 0;
	}

	private startInProgressUpdate(stack: StackRecord): void {
		if (stack.scenarios.length === 1) {
			stack.scenarios.push('clean');
		}

		stack.status = 'UPDATE_COMPLETE';
		this.beginUpdate(stack, this.snapshot(stack), resourceChanges(stack.stackName, ['Version']));
	}

	private advance(stack: StackRecord, update: ActiveUpdate): void {
		const step = update.steps[update.position++];
		if (step) {
			this.applyStep(stack, update, step);
		}

		update.idleTicks = update.scenario === 'slow' ? this.settings.slowTicks : 0;
		if (update.position >= update.steps.length) {
			const changeSet = stack.changeSets.find(candidate => candidate.id === update.changeSetId);
			if (changeSet) {
				changeSet.executionStatus = stack.status === 'UPDATE_COMPLETE' ? 'EXECUTE_COMPLETE' : 'EXECUTE_FAILED';
			}

			delete stack.update;
		}
	}

	private applyStep(stack: StackRecord, update: ActiveUpdate, step: UpdateStep): void {
		const now = new Date().toISOString();
		this.appendEvents(stack, step.events, now);
		for (const event of step.events.filter(event => event.logicalId !== stack.stackName)) {
			const list =
				event.status === 'UPDATE_IN_PROGRESS'
					? update.touched
					: event.status === 'UPDATE_COMPLETE'
						? update.completed
						: event.status === 'UPDATE_FAILED'
							? update.failed
							: undefined;
			if (list && !list.includes(event.logicalId)) {
				list.push(event.logicalId);
			}
		}

		if (step.stackStatus) {
			stack.status = step.stackStatus;
			stack.lastUpdatedTime = now;
			if (step.stackStatusReason) {
				stack.statusReason = step.stackStatusReason;
			} else {
				delete stack.statusReason;
			}
		}

		if (step.parameters) {
			const snapshot = step.parameters === 'target' ? update.target : update.previous;
			stack.parameters = snapshot.parameters.map(parameter => ({...parameter}));
			stack.templateParameters = snapshot.templateParameters;
			stack.capabilities = snapshot.capabilities;
			if (snapshot.templateUrl) {
				stack.templateUrl = snapshot.templateUrl;
			}
		}

		for (const {instanceId, imageId} of step.launch ?? []) {
			this.launchInstance(stack, imageId, 'pending', instanceId);
			update.launched.push(instanceId);
		}

		const instances = this.instancesById();
		for (const instanceId of step.running ?? []) {
			const instance = instances.get(instanceId);
			if (instance) {
				instance.state = 'running';
			}
		}

		for (const instanceId of step.terminate ?? []) {
			const instance = instances.get(instanceId);
			if (instance) {
				instance.state = 'terminated';
			}

			if (!update.launched.includes(instanceId)) {
				update.terminated.push(instanceId);
			}
		}

		if (step.then) {
			update.steps = [
				...update.steps.slice(0, update.position),
				...planRollback(update, stack, instances, {cancelled: false, fails: step.then === 'rollback-failed'}),
			];
		}
	}

	private appendEvents(stack: StackRecord, events: EventSpec[], timestamp: string): void {
		for (const event of events) {
			stack.events.push({
				seq: ++this.data.sequence,
				eventId: event.logicalId === stack.stackName ? randomUUID() : `${event.logicalId}-${randomUUID()}`,
				logicalId: event.logicalId,
				physicalId: event.physicalId ?? '',
				resourceType: event.resourceType,
				status: event.status,
				...(event.reason ? {reason: event.reason} : {}),
				timestamp,
			});
		}
	}

	private launchInstance(stack: StackRecord, imageId: string, state: InstanceRecord['state'], instanceId = hexId('i-')): void {
		const instanceType = stack.parameters.find(parameter => parameter.key === 'InstanceType')?.value || 't2.small';
		const instanceProfileArn = this.data.iamRoles?.find(role => role.stackName === stack.stackName)?.instanceProfile.arn;
		this.data.instances.push({
			instanceId,
			imageId,
			state,
			stackName: stack.stackName,
			instanceType,
			launchTime: new Date().toISOString(),
			privateIpAddress: `10.0.${1 + (this.data.instances.length % 3)}.${10 + (this.data.instances.length % 240)}`,
			...(instanceProfileArn ? {instanceProfileArn} : {}),
		});
	}

	private instancesById(): Map<string, InstanceRecord> {
		return new Map(this.data.instances.map(instance => [instance.instanceId, instance]));
	}
}
