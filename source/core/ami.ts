export type Architecture = 'x86_64' | 'arm64';

/** A dedicated build instance of the rack (the template's DedicatedBuilder condition), which runs the same AMI. */
export interface Builder {
	instanceType: string;
	architecture: Architecture;
}

/** Where the base AMI of a Convox version comes from, and why. */
export type BaseAmiPlan =
	| {era: 'region-config'; amiId: string; architecture: Architecture; reason: string}
	| {
			era: 'ssm';
			/** The template parameter that names it: DefaultAmi or DefaultAmiArm. */
			parameterKey: string;
			/** The SSM parameter path to resolve. */
			parameterPath: string;
			architecture: Architecture;
			instanceType: string;
			reason: string;
			builder?: Builder;
	  };

/** An AMI copied to a region of its account, or why it was not. */
export interface ImageCopies {
	copied: Array<{region: string; amiId: string; adopted: boolean}>;
	failed: Array<{region: string; error: string}>;
}

/** A fleet's AMI, copied from its build region to the other regions of its account. */
export interface ImageCopyRequest {
	source: {region: string; amiId: string; name: string; description: string};
	regions: string[];
	fleetRunId: string;
	signal: AbortSignal;
	onProgress(message: string): void;
}
