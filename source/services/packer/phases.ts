import type {PackerPhase} from '../../core/step-phases';

/**
 * Packer's own amazon-ebs (and provisioner) `say` messages, first match wins: `Creating AMI tags`
 * must be seen before `Creating AMI ` or tagging would look like a second AMI creation.
 */
const PHASE_BY_PREFIX: ReadonlyArray<readonly [string, PackerPhase]> = [
	['Prevalidating', 'prevalidate'],
	['Creating temporary keypair', 'key-pair'],
	['Using existing SSH private key', 'key-pair'],
	['Creating temporary security group', 'key-pair'],
	['Authorizing access to port', 'key-pair'],
	['Launching a ', 'launch'],
	['Requesting spot instance', 'launch'],
	['Adding tags to source instance', 'launch'],
	['Waiting for instance (', 'wait-instance'],
	['Using ssh communicator', 'connect'],
	['Using winrm communicator', 'connect'],
	['Waiting for SSH', 'connect'],
	['Waiting for WinRM', 'connect'],
	['Connected to SSH', 'connect'],
	['Connected to WinRM', 'connect'],
	['Uploading ', 'provision'],
	['Provisioning with ', 'provision'],
	['Running local shell script', 'provision'],
	['Provisioning step had errors', 'provision'],
	['Stopping the source instance', 'stop'],
	['Waiting for the instance to stop', 'stop'],
	['Creating AMI tags', 'wait-ami'],
	['Creating AMI ', 'create-ami'],
	['Creating unencrypted AMI', 'create-ami'],
	['Waiting for AMI', 'wait-ami'],
	['Copying/Encrypting AMI', 'wait-ami'],
	['Modifying attributes on', 'wait-ami'],
	['Adding tags to AMI', 'wait-ami'],
	['Tagging snapshot', 'wait-ami'],
	['Creating snapshot tags', 'wait-ami'],
	['Terminating the source', 'clean-up'],
	['Cleaning up any extra volumes', 'clean-up'],
	['No volumes to clean up', 'clean-up'],
	['Deleting temporary', 'clean-up'],
	['Deregistering the AMI', 'clean-up'],
	['Running post-processor', 'clean-up'],
];

/** What the build created in AWS and has not removed yet, as far as its messages tell. */
export interface BuildResources {
	instance?: string;
	keyPair?: string;
	securityGroup?: string;
	ami?: string;
}

/** `==> amazon-ebs: Creating ...` or `    amazon-ebs: Instance ID: ...` → the part after the build name. */
function messageBody(text: string): string | undefined {
	const marker = text.startsWith('==> ') ? 4 : text.startsWith('    ') ? 4 : -1;
	if (marker < 0) return undefined;
	const colon = text.indexOf(': ', marker);
	if (colon < 0) return undefined;
	const newline = text.indexOf('\n', colon);
	return newline < 0 ? text.slice(colon + 2) : text.slice(colon + 2, newline);
}

function afterPrefix(body: string, prefix: string): string | undefined {
	return body.startsWith(prefix) ? body.slice(prefix.length).trim() || undefined : undefined;
}

/** Follows an amazon-ebs build through its phases, from Packer's own messages. */
export class PhaseTracker {
	phase: PackerPhase | undefined;
	activity: string | undefined;
	readonly created: BuildResources = {};
	private readonly removed = new Set<keyof BuildResources>();

	/** Takes one `ui` line; returns true when the phase or the activity changed. */
	observe(level: string, text: string): boolean {
		const body = messageBody(text);
		if (body === undefined) return false;
		if (level === 'message') {
			this.noteCreated(body);
			return false;
		}
		if (level !== 'say') return false;
		this.noteCreated(body);
		for (const [prefix, phase] of PHASE_BY_PREFIX) {
			if (body.startsWith(prefix)) {
				this.phase = phase;
				this.activity = body;
				return true;
			}
		}
		if (this.phase === undefined) return false;
		this.activity = body;
		return true;
	}

	/** The resources Packer created and has not started removing: what a forced stop leaves behind. */
	leftBehind(): BuildResources {
		const left: BuildResources = {};
		for (const key of Object.keys(this.created) as Array<keyof BuildResources>) if (!this.removed.has(key)) left[key] = this.created[key];
		return left;
	}

	private noteCreated(body: string): void {
		const keyPair = afterPrefix(body, 'Creating temporary keypair:');
		if (keyPair) this.created.keyPair = keyPair;
		const group = afterPrefix(body, 'Creating temporary security group for this instance:');
		if (group) this.created.securityGroup = group;
		const instance = afterPrefix(body, 'Instance ID:');
		if (instance) this.created.instance = instance;
		const amiId = afterPrefix(body, 'AMI:');
		if (amiId?.startsWith('ami-')) this.created.ami = amiId;
		if (body.startsWith('Terminating the source')) this.removed.add('instance');
		if (body.startsWith('Deleting temporary security group')) this.removed.add('securityGroup');
		if (body.startsWith('Deleting temporary keypair')) this.removed.add('keyPair');
	}
}
