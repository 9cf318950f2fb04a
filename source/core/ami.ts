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
