import {INSTANCE_TYPE_VARIABLE, PACKER_VARIABLES, RUN_ID_VARIABLE} from '../core/packer-variables';
import type {Sharing, TemplateInspection} from '../services/packer-template-inspection';
import type {MetricsBackend} from '../config/observability';
import {BUILD_SECRETS, buildNeeds, type BuildSecret} from '../core/secrets';

/** A variable name and, when the template spells one close to it, that spelling. */
export interface NameCheck {
	name: string;
	didYouMean?: string;
}

/** A secret and the template variable that receives it (its own name, or one reading its environment variable). */
export interface SecretCarrier {
	secret: BuildSecret;
	variable: string;
}

/** How the operator's template meets what convox-ami passes to Packer. */
export interface TemplateFindings {
	declaredVariables: string[];
	/** Passed with `-var` but not declared: Packer 1.6.6 drops them without a word. */
	undeclaredPassed: NameCheck[];
	/** Declared with a `null` default, neither passed nor a secret: Packer refuses to build. */
	requiredNotPassed: NameCheck[];
	carriers: SecretCarrier[];
	/** Secrets no variable receives: the AMI would be built without them. */
	secretsNotReceived: BuildSecret[];
	runIdDeclared: boolean;
	/** Builders that make an AMI; `untagged` are those without the ReleaseRun tag. */
	amiBuilders: string[];
	untagged: string[];
	/** Every AMI the template makes carries ReleaseRun = run_id. */
	releaseRunTag: boolean;
	sharing: Array<Sharing & {builder: string}>;
}

/** `backend`: where the account's metrics go; a secret only another backend needs is not missed when no variable receives it. */
export function templateFindings(inspection: TemplateInspection, backend: MetricsBackend = 'cloudwatch'): TemplateFindings {
	const declared = inspection.variables.map(variable => variable.name);
	const passed: readonly string[] = PACKER_VARIABLES;
	const carriers = BUILD_SECRETS.flatMap(secret => {
		const variable = declared.includes(secret.variable)
			? secret.variable
			: inspection.variables.find(candidate => candidate.fromEnvironment === secret.envName)?.name;
		return variable ? [{secret, variable}] : [];
	});
	const known = new Set([
		...passed,
		INSTANCE_TYPE_VARIABLE,
		...BUILD_SECRETS.map(secret => secret.variable),
		...carriers.map(carrier => carrier.variable),
	]);
	const unknownDeclared = declared.filter(name => !known.has(name));
	const undeclaredPassed = passed.filter(name => !declared.includes(name)).map(name => withSuggestion(name, unknownDeclared));
	const requiredNotPassed = inspection.variables
		.filter(variable => variable.required && !known.has(variable.name))
		.map(variable =>
			withSuggestion(
				variable.name,
				passed.filter(name => !declared.includes(name)),
			),
		);
	const runIdDeclared = declared.includes(RUN_ID_VARIABLE);
	const amiBuilders = inspection.builders.filter(builder => builder.makesAmi);
	const untagged = amiBuilders.filter(builder => !builder.releaseRunTag).map(builder => builder.name);
	return {
		declaredVariables: declared,
		undeclaredPassed,
		requiredNotPassed,
		carriers,
		secretsNotReceived: BUILD_SECRETS.filter(secret => buildNeeds(secret, backend) && !carriers.some(carrier => carrier.secret === secret)),
		runIdDeclared,
		amiBuilders: amiBuilders.map(builder => builder.name),
		untagged,
		releaseRunTag: runIdDeclared && amiBuilders.length > 0 && untagged.length === 0,
		sharing: inspection.builders.flatMap(builder => builder.sharing.map(sharing => ({...sharing, builder: builder.name}))),
	};
}

function withSuggestion(name: string, candidates: string[]): NameCheck {
	const didYouMean = candidates.find(candidate => similar(name, candidate));
	return didYouMean ? {name, didYouMean} : {name};
}

/** The same name but for case, `_` and `-`, or at most two letters apart (a typo, not another word). */
function similar(left: string, right: string): boolean {
	const plain = (name: string) => name.toLowerCase().replace(/[_-]/g, '');
	if (plain(left) === plain(right)) return true;
	return Math.min(left.length, right.length) > 4 && editDistance(left.toLowerCase(), right.toLowerCase()) <= 2;
}

function editDistance(left: string, right: string): number {
	let previous = Array.from({length: right.length + 1}, (_, index) => index);
	for (let i = 1; i <= left.length; i++) {
		const current = [i];
		for (let j = 1; j <= right.length; j++) {
			current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (left[i - 1] === right[j - 1] ? 0 : 1));
		}
		previous = current;
	}
	return previous[right.length]!;
}
