/** The kinds of run: a release, the checklist alone, a rollback. */
export type RunKind = 'release' | 'checklist' | 'rollback';

/** The live panes of the screen; the UI maps each to what draws it (ui/ink/panes.tsx). */
export type PaneId = 'build' | 'stack' | 'checklist';

/**
 * What a step is, declared once: the step ids, their order, the titles, the steps of each kind of
 * run, the pane the screen shows and the docs' steps table derive from this. What a step does at
 * run time and its line of `plan` live in its module (steps/), bound by the registry.
 */
export interface StepDeclaration {
	id: string;
	title: string;
	/** The kinds of run that drive it, in the order of this list. */
	kinds: readonly RunKind[];
	/** The live pane shown while it runs; none when its notices say it all. */
	pane?: PaneId;
	/** For the docs: what happens. */
	does: string;
	/** For the docs: what can stop it. */
	stopsWhen: string;
	/** For the docs: what it changes outside the journal, and what a resume does about it. */
	changes: string;
}

export const STEP_DECLARATIONS = [
	{
		id: 'account',
		title: 'Account',
		kinds: ['release', 'checklist', 'rollback'],
		does: "signs in with the account's AWS profile (SSO and assume-role profiles work through the SDK's own providers) and checks the caller with STS before anything else; production accounts are marked on every screen",
		stopsWhen: 'another account than the config\'s (exit 2, nothing done); an expired SSO session ("run `aws sso login --profile NAME`")',
		changes: 'nothing: it only reads (STS)',
	},
	{
		id: 'resolve-version',
		title: 'Convox version',
		kinds: ['release'],
		does: "reads the stack and `versions.json` and takes the version `convox rack update` would take: the first published version marked `required` after the stack's, else the newest published (or `--convox-version`); reads that version's template (`formation.json`, else `rack.json`) and finds its base AMI: `Mappings.RegionConfig` in 2016-era templates, the SSM parameter the template's launch templates use in current ones (resolved with SSM, its architecture checked against `InstanceType` and a dedicated `BuildInstance`)",
		stopsWhen:
			'malformed or empty release files, nothing published, no AMI for the region, an SSM parameter that does not resolve, an AMI whose architecture does not fit the instances or the builder, a pin that jumps over a required version under `--yes` without `--skip-required`',
		changes: 'nothing: it only reads (the stack, the release files, SSM, EC2)',
	},
	{
		id: 'template',
		title: 'Template',
		kinds: ['release'],
		does: 'shows what the build will use; in dev records the new `source_ami` in `packer.json` (diff shown, confirmed); in production requires a clean git tree, uses the short SHA as AMI version and the committed template must already carry the base AMI',
		stopsWhen: 'a dirty tree or an uncommitted template in production (the message says exactly what to commit)',
		changes:
			"dev: the template's `source_ami` (and `run_id` with the `ReleaseRun` tag, when accepted), never in a dry run or a rehearsal; production: nothing",
	},
	{
		id: 'build',
		title: 'Build AMI',
		kinds: ['release'],
		pane: 'build',
		does: '`packer build` with a live pane (phases with times, current activity, last lines), secrets scrubbed from everything, the whole log in `STATE_DIR/runs/RUN_ID.packer.log`; the AMI must come out private',
		stopsWhen: 'Packer failing (its error lines and the log path are shown); a public or shared AMI',
		changes:
			"a private, encrypted AMI tagged `ReleaseRun=RUN_ID` (and its copy in the rack's region when the template builds elsewhere); resumed, it adopts the AMI an interrupted build registered",
	},
	{
		id: 'update-stack',
		title: 'Update stack',
		kinds: ['release', 'rollback'],
		pane: 'stack',
		does: "a change set on the rack stack (TemplateURL of the version's formation, `Ami` and `Version` set, every other parameter kept, `CAPABILITY_IAM`), previewed, confirmed (production: type the stack name), executed and watched event by event",
		stopsWhen: "a rollback (the first failed resource's reason is shown), a stack that cannot be updated",
		changes: 'the rack stack, through one change set; resumed, it adopts an update of this run already done or in progress',
	},
	{
		id: 'verify',
		title: 'Verify',
		kinds: ['release', 'checklist', 'rollback'],
		pane: 'checklist',
		does: "the checklist: `convox rack`, instances on the new AMI, hello-world through its load balancer, every new instance's metrics in CloudWatch (or Librato, legacy), HTTP logs found in SumoLogic (searched, or asked)",
		stopsWhen: 'a failed check (retry, skip with a reason, or roll back)',
		changes: 'nothing: it only reads and asks',
	},
] as const satisfies readonly StepDeclaration[];

export type StepId = (typeof STEP_DECLARATIONS)[number]['id'];

export const STEP_IDS: readonly StepId[] = STEP_DECLARATIONS.map(step => step.id);

const DECLARED: readonly StepDeclaration[] = STEP_DECLARATIONS;
const BY_ID = Object.fromEntries(DECLARED.map(step => [step.id, step])) as Record<StepId, StepDeclaration>;

export function stepDeclaration(id: StepId): StepDeclaration {
	return BY_ID[id];
}

export const STEP_TITLES = Object.fromEntries(STEP_DECLARATIONS.map(step => [step.id, step.title])) as Record<StepId, string>;

/** The steps a run of this kind drives, in their order. */
export function stepsOfKind(kind: RunKind): readonly StepId[] {
	return STEP_IDS.filter(id => BY_ID[id].kinds.includes(kind));
}
