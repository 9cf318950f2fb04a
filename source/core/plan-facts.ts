import type {AccountConfig, Config} from '../config/schema';
import type {SecretEnvName} from './secrets';

/** What `plan` learned of the release without writing: the version and base AMI, or why it could not. */
export interface ResolvedRelease {
	version?: string;
	/** Published versions marked required (oldest first), which Convox's rule stops at when the stack is older. */
	required?: string[];
	sourceAmi?: string;
	/** Current templates: the SSM parameters that name the base AMI per architecture. */
	ssm?: {x86_64?: string; arm64?: string};
	problem?: string;
}

/** What `convox-ami plan` knows of one account's release; each step writes its part of the procedure from it. */
export interface PlanFacts {
	config: Config;
	configDir: string;
	accountName: string;
	account: AccountConfig;
	region: string;
	releasesUrl: string;
	/** `--convox-version`. */
	pinned?: string;
	resolved: ResolvedRelease;
	/** The Packer template the build uses (resolved path). */
	templatePath: string;
	/** Where the template builds for this rack, when it says (a sentence). */
	buildRegion?: string;
	/** Whether a secret is known now (`plan` reads only the environment). */
	knownSecret(envName: SecretEnvName): boolean;
}

/** A step's part of the numbered procedure: its line, and the lines shown under it. */
export interface PlanEntry {
	summary: string;
	details?: readonly string[];
}
