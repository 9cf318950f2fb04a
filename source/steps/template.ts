import {realpath} from 'node:fs/promises';
import path from 'node:path';
import {createGit, type Git} from '../services/git';
import {RUN_ID_VARIABLE} from '../core/packer-variables';
import {bundledTemplatePath, lineDiff, parseTemplate, readTemplate, writeTemplate, type PackerTemplate} from '../services/packer-template';
import {isHcl2Path, readHcl2Template} from '../services/packer-template-hcl2';
import {inspectTemplate, RELEASE_RUN_TAG, withReleaseRun, type TemplateInspection} from '../services/packer-template-inspection';
import {instanceRoleNotice} from '../checklist/checks/metrics';
import {metricsOf} from '../config/observability';
import {StepFailedError, UsageError, errorText} from '../core/errors';
import {runModeOf} from '../core/run-mode';
import type {Step, StepContext} from '../core/step';
import {inlineCode} from '../core/markdown';
import type {PlanEntry, PlanFacts} from '../core/plan-facts';
import {varFilePaths} from '../config/var-files';
import {templateFindings, type TemplateFindings} from './template-findings';
import type {TemplateCheckOutputs, TemplateOutputs} from '../core/step-outputs';
import {checkPackerAtHand} from './template-packer';
import {buildRegionOutputs, regionForBuild} from './template-region';
import {checkVarFiles, configuredVarFiles} from './template-var-files';
import {sourceAmiRecord, type SourceAmiRecord} from '../services/source-ami-record';
import {hcl2ReleaseRunEdits} from '../services/hcl2-release-run';

function devVersion(): string {
	return `dev-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
}

const SHOWN_DIRTY_FILES = 10;

async function locateTemplate(ctx: StepContext): Promise<{template: PackerTemplate; inspection: TemplateInspection; bundled: boolean}> {
	const configured = ctx.config.template;
	let templatePath = configured ? path.resolve(ctx.configDir, configured) : undefined;
	try {
		templatePath ??= bundledTemplatePath();
		if (isHcl2Path(templatePath)) return {...(await readHcl2Template(templatePath)), bundled: !configured};
		const template = await readTemplate(templatePath);
		return {template, inspection: inspectTemplate(template), bundled: !configured};
	} catch (error) {
		const problem = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${templatePath} does not exist.` : errorText(error);
		if (configured)
			throw new UsageError(
				`The Packer template of the config cannot be read: ${problem}`,
				`Fix "template" in the config (relative paths resolve from ${ctx.configDir}).`,
			);
		throw new StepFailedError(
			`The Packer template shipped with convox-ami cannot be read: ${problem}`,
			'Reinstall convox-ami, or set "template" in the config to a template of your own.',
		);
	}
}

async function findRepo(ctx: StepContext, git: Git, templatePath: string): Promise<string | undefined> {
	try {
		return await git.repoRoot(templatePath);
	} catch (error) {
		const message = `git (${ctx.services.binaries.git}) could not be run: ${errorText(error)}`;
		if (ctx.account.production)
			throw new StepFailedError(message, 'Install git or set "binaries.git" in the config: a production AMI is versioned by its commit.');
		ctx.notice('warn', `${message}; the template's commit is not recorded.`);
		return undefined;
	}
}

/** Changed files of the repository, without the tool's own state folder when it lies inside it. */
async function dirtyFiles(ctx: StepContext, git: Git, root: string): Promise<string[]> {
	const stateDir = await realpath(ctx.paths.stateDir).catch(() => path.resolve(ctx.paths.stateDir));
	const inside = path.relative(root, stateDir).split(path.sep).join('/');
	const own = inside && !inside.startsWith('..') && !path.isAbsolute(inside) ? `${inside}/` : undefined;
	return (await git.dirtyFiles(root)).filter(file => !own || !`${file}/`.startsWith(own));
}

/** `hidden`: the values of secrets a var file sets, masked on the diff's lines as everywhere. */
function showDiff(ctx: StepContext, before: string, after: string, label: string, hidden: readonly string[] = []) {
	for (const line of lineDiff(before, after, label))
		ctx.notice(
			'info',
			hidden.reduce((masked, value) => masked.replaceAll(value, '***'), line),
		);
}

/**
 * Production: the AMI version is the short SHA of the clean repository holding the template, and
 * the committed template must already record the source AMI. Where the world's policy does not
 * refuse (a rehearsal), it only warns, so that a dev → prod rehearsal runs from any checkout.
 */
async function productionVersion(
	ctx: StepContext,
	git: Git,
	template: PackerTemplate,
	record: SourceAmiRecord | undefined,
	hidden: readonly string[],
	sourceAmi: string,
	convoxVersion: string,
): Promise<{amiVersion: string; gitSha?: string}> {
	const refuse = (message: string, hint: string) => {
		if (ctx.services.policy.refusesUncommittedProduction) throw new StepFailedError(message, hint);
		ctx.notice('warn', `A live production run would stop here: ${message} ${hint}`);
	};

	const root = await findRepo(ctx, git, template.path);
	if (!root) {
		refuse(
			`The template ${template.path} is not inside a git repository, and a production AMI is versioned by the commit of its template.`,
			'Keep the packer/ folder in a git repository (a checkout of convox-ami, or your own copy named by "template" in the config), commit it, then run `convox-ami resume`.',
		);
		return {amiVersion: devVersion()};
	}
	const sha = await git.shortSha(root);
	if (!sha) {
		refuse(
			`The repository ${root} has no commit yet.`,
			`Commit the template (git -C ${root} add ${path.relative(root, template.path)} && git -C ${root} commit), then run \`convox-ami resume\`.`,
		);
		return {amiVersion: devVersion()};
	}

	const dirty = await dirtyFiles(ctx, git, root);
	if (dirty.length > 0) {
		const shown = dirty.slice(0, SHOWN_DIRTY_FILES).join(', ');
		const more = dirty.length > SHOWN_DIRTY_FILES ? ` and ${dirty.length - SHOWN_DIRTY_FILES} more` : '';
		refuse(
			`The working tree of ${root} is not clean: ${shown}${more}. A production AMI is versioned by the commit ${sha}, so that commit must hold exactly what is built.`,
			`Commit those files (or stash them, or add them to .gitignore), check with \`git -C ${root} status\`, then run \`convox-ami resume\`.`,
		);
	}

	if (!record) {
		ctx.notice(
			'warn',
			`${template.path} declares no source_ami variable, so no committed file records the base AMI; the build passes source_ami ${sourceAmi} with -var.`,
		);
		return {amiVersion: sha, gitSha: sha};
	}
	const relative = await git.relativePath(root, record.file);
	const committed = await git.committedContent(root, record.file);
	if (committed === undefined) {
		refuse(
			`The ${record.kind} ${relative} is not committed in ${root}.`,
			`Commit it (git -C ${root} add ${relative} && git -C ${root} commit), then run \`convox-ami resume\`.`,
		);
		return {amiVersion: sha, gitSha: sha};
	}
	const recorded = await record.sourceAmiIn(committed);
	if (recorded !== sourceAmi) {
		const updated = await record.withSourceAmi(sourceAmi, committed);
		if (updated) showDiff(ctx, committed, updated, relative, hidden);
		refuse(
			`The committed ${relative} records source_ami ${recorded ?? '(none)'}, but this release builds from ${sourceAmi} (Convox ${convoxVersion}, ${ctx.region}).`,
			`Set ${record.where} to "${sourceAmi}" in ${record.file} (the dev release of this version offers to write it), commit it (git -C ${root} commit -m "Base AMI ${sourceAmi} for Convox ${convoxVersion}" ${relative}), then run \`convox-ami resume\`.`,
		);
	}
	return {amiVersion: sha, gitSha: sha};
}

/** Why the template is left unwritten, as notices say it: the world keeps local files (a rehearsal), or the run is read-only. */
function keepsTemplateAs(ctx: StepContext): string | undefined {
	return ctx.services.policy.keepsFilesAs ?? (runModeOf(ctx.run).readOnly ? 'Dry run' : undefined);
}

/** Dev: offer to record the source AMI where the template takes it from, showing the change first. Returns the file's text the build will use. */
async function recordSourceAmi(
	ctx: StepContext,
	record: SourceAmiRecord,
	hidden: readonly string[],
	bundled: boolean,
	sourceAmi: string,
	repoRoot: () => Promise<string | undefined>,
): Promise<string> {
	const {file, text} = record;
	if (record.sourceAmi === sourceAmi) {
		ctx.notice('info', `${file} already records source_ami ${sourceAmi}.`);
		return text;
	}
	const updated = await record.withSourceAmi(sourceAmi);
	if (!updated) {
		ctx.notice(
			'warn',
			`convox-ami cannot edit source_ami in ${file} without changing more than its value (a layout it does not edit). The build passes source_ami ${sourceAmi} with -var; set it there yourself before the production release.`,
		);
		return text;
	}
	showDiff(ctx, text, updated, file, hidden);
	const keptAs = keepsTemplateAs(ctx);
	if (keptAs) {
		ctx.notice('info', `${keptAs}: ${file} is not written.`);
		return text;
	}
	const root = await repoRoot();
	if (bundled && !root) {
		ctx.notice(
			'warn',
			`The build passes source_ami ${sourceAmi} as a variable. To record it for the production release, keep the packer/ folder in a git repository and name it with "template" in the config.`,
		);
		return text;
	}
	const write = await ctx.prompt.confirm({
		message: `Record source_ami ${sourceAmi} in ${file}?`,
		remedy: '--yes',
		defaultValue: true,
	});
	if (!write) {
		ctx.notice(
			'warn',
			`${file} left as it is: the build still uses ${sourceAmi}, but the production release refuses until the committed ${record.kind} records it.`,
		);
		return text;
	}
	ctx.signal.throwIfAborted();
	await writeTemplate(file, updated);
	ctx.notice('info', `Wrote source_ami ${sourceAmi} into ${file}.${commitHint(root, file, `Base AMI ${sourceAmi}`)}`);
	return updated;
}

function commitHint(root: string | undefined, files: string | string[], message: string): string {
	const relative = [files].flat().map(file => path.relative(root ?? '', file));
	return root
		? ` Commit ${relative.length > 1 ? 'them' : 'it'} before the production release: git -C ${root} commit -m "${message}" ${relative.join(' ')}`
		: '';
}

const WITHOUT_TAG =
	"resume then finds an AMI that an interrupted build registered only from the build's own record (the journal and Packer's log), not by its tag, and builds again when that record does not name it";

function missingReleaseRun(findings: TemplateFindings, hcl2: boolean): string {
	const value = hcl2 ? `var.${RUN_ID_VARIABLE}` : `{{user \`${RUN_ID_VARIABLE}\`}}`;
	const parts = [
		...(findings.runIdDeclared ? [] : [`the variable ${RUN_ID_VARIABLE}`]),
		...(findings.untagged.length > 0 ? [`the tag ${RELEASE_RUN_TAG} = ${value} on ${findings.untagged.join(', ')}`] : []),
	];
	return parts.join(' and ');
}

/**
 * Dev: offer to add the run_id variable and the ReleaseRun tag, by which resume finds an AMI that an
 * interrupted build registered. Production (and the shipped template) only report: the template
 * built there is the committed one.
 */
async function offerReleaseRun(
	ctx: StepContext,
	template: PackerTemplate,
	inspection: TemplateInspection,
	findings: TemplateFindings,
	reportOnly: boolean,
	repoRoot: () => Promise<string | undefined>,
): Promise<string> {
	if (findings.releaseRunTag || findings.amiBuilders.length === 0) return template.text;
	const hcl2 = isHcl2Path(template.path);
	const missing = missingReleaseRun(findings, hcl2);
	const edits = reportOnly
		? undefined
		: hcl2
			? await hcl2ReleaseRunEdits(template.path, inspection)
			: [{file: template.path, before: template.text, after: withReleaseRun(template)}];
	if (!edits) {
		const remedy = !hcl2
			? 'The dev release offers to add them; commit the template then.'
			: reportOnly
				? `The dev release offers to add them (variable "${RUN_ID_VARIABLE}", and ${RELEASE_RUN_TAG} = var.${RUN_ID_VARIABLE} in the tags); commit the template then.`
				: `Add them yourself (variable "${RUN_ID_VARIABLE}", and ${RELEASE_RUN_TAG} = var.${RUN_ID_VARIABLE} in the tags): convox-ami cannot add them to this template without changing more (its tags are built by an expression).`;
		ctx.notice('warn', `${template.path} lacks ${missing}, so the AMI is not tagged with its run: ${WITHOUT_TAG}. ${remedy}`);
		return template.text;
	}
	for (const edit of edits) showDiff(ctx, edit.before, edit.after, edit.file);
	const keptAs = keepsTemplateAs(ctx);
	if (keptAs) {
		ctx.notice('info', `${keptAs}: ${template.path} is not written; a live run offers to add ${missing}.`);
		return template.text;
	}
	const write = await ctx.prompt.confirm({
		message: `Add ${missing} to ${template.path}, so that the AMI is tagged with its run?`,
		remedy: '--yes',
		defaultValue: true,
	});
	if (!write) {
		ctx.notice('warn', `${template.path} left as it is: the AMI gets no ${RELEASE_RUN_TAG} tag, and ${WITHOUT_TAG}.`);
		return template.text;
	}
	ctx.signal.throwIfAborted();
	for (const edit of edits) await writeTemplate(edit.file, edit.after);
	const root = await repoRoot();
	ctx.notice(
		'info',
		`Added ${missing} to ${template.path}.${commitHint(
			root,
			edits.map(edit => edit.file),
			`Tag the AMI with its release run`,
		)}`,
	);
	return hcl2 ? template.text : edits[0]!.after;
}

/** Refused before anything is built or written, in every mode: the AMI carries the secrets. */
function refuseSharing(template: PackerTemplate, findings: TemplateFindings) {
	if (findings.sharing.length === 0) return;
	const shared = findings.sharing.map(({builder, field, values}) => {
		const everyone = field.endsWith('_groups') && values.includes('all') ? ' (public: every AWS account)' : '';
		return `builder ${builder} sets ${field} ${JSON.stringify(values)}${everyone}`;
	});
	throw new UsageError(
		`The template ${template.path} would share the AMI: ${shared.join('; ')}. The AMI holds the Librato and logspout secrets, and anyone it is shared with can launch it and read them.`,
		`Remove ${[...new Set(findings.sharing.map(sharing => sharing.field))].join(', ')} from the template (the AMI must stay private), then run \`convox-ami resume\`.`,
	);
}

/** What the template declares against what the build passes, as notices; the outputs journaled on the step. */
function reportFindings(ctx: StepContext, file: string, inspection: TemplateInspection, findings: TemplateFindings): TemplateCheckOutputs {
	const required = inspection.variables.filter(variable => variable.required).map(variable => variable.name);
	ctx.notice(
		'info',
		`Template variables: ${findings.declaredVariables.join(', ') || '(none)'}${required.length > 0 ? `; required (null default): ${required.join(', ')}` : ''}`,
	);
	if (findings.undeclaredPassed.length > 0) {
		const names = findings.undeclaredPassed.map(check => check.name);
		const typos = findings.undeclaredPassed
			.map(({name, didYouMean}) => (didYouMean ? ` The template declares "${didYouMean}": did you mean "${name}"?` : ''))
			.join('');
		const fate = isHcl2Path(file)
			? 'Packer refuses an undeclared -var for an HCL2 template, so convox-ami leaves it out'
			: 'Packer 1.6.6 ignores an undeclared -var without a word';
		ctx.notice(
			'warn',
			`convox-ami passes ${names.join(', ')}, which ${file} does not declare: ${fate}, so the template never sees ${names.length > 1 ? 'these values' : 'this value'}.${typos}`,
		);
	}
	for (const {name, didYouMean} of findings.requiredNotPassed) {
		const remedy = didYouMean ? `Did you mean "${didYouMean}"?` : 'Give it a default in the template.';
		ctx.notice(
			'warn',
			`${file} requires ${name} (null default), which convox-ami does not pass: Packer refuses to build without it. ${remedy}`,
		);
	}
	for (const secret of findings.secretsNotReceived) {
		ctx.notice(
			'warn',
			`${file} neither declares ${secret.variable} nor reads ${secret.envName} with {{env}}: the AMI would be built without the ${secret.label}. Declare "${secret.variable}" in "variables".`,
		);
	}
	const unprotected = findings.carriers
		.filter(carrier => !inspection.sensitiveVariables.includes(carrier.variable))
		.map(carrier => carrier.variable);
	if (unprotected.length > 0) {
		ctx.notice(
			'warn',
			`${unprotected.join(', ')} ${unprotected.length > 1 ? 'are' : 'is'} not ${isHcl2Path(file) ? 'marked sensitive = true in' : 'in "sensitive-variables" of'} ${file}: Packer masks only the variables listed there in its own log (PACKER_LOG) and screen output. convox-ami removes the secrets from all it shows and logs either way, but list ${unprotected.length > 1 ? 'them' : 'it'} there.`,
		);
	}
	if (findings.releaseRunTag) ctx.notice('info', `The AMI is tagged ${RELEASE_RUN_TAG} = this run's id.`);
	if (inspection.manifestPath) ctx.notice('info', `Manifest: the template's manifest post-processor writes ${inspection.manifestPath}.`);
	else if (inspection.manifestOutput)
		ctx.notice(
			'info',
			`Manifest: the template's manifest post-processor writes "${inspection.manifestOutput}", a path with template functions convox-ami does not resolve.`,
		);
	const outputs: TemplateCheckOutputs = {
		declaredVariables: findings.declaredVariables,
		undeclaredPassed: findings.undeclaredPassed.map(check => check.name),
		sensitiveSecrets: findings.carriers.map(carrier => carrier.variable).filter(variable => !unprotected.includes(variable)),
		secretsNotSensitive: unprotected,
		secretsNotReceived: findings.secretsNotReceived.map(secret => secret.variable),
		requiredSecrets: findings.carriers.filter(carrier => required.includes(carrier.variable)).map(carrier => carrier.secret.variable),
		releaseRunTag: findings.releaseRunTag,
	};
	if (inspection.manifestPath) outputs.manifestPath = inspection.manifestPath;
	return outputs;
}

/** The AMI's CloudWatch agent publishes with the instance role: say before the build whether it may. */
async function noticeInstanceRole(ctx: StepContext): Promise<void> {
	try {
		const {level, message} = await instanceRoleNotice(await ctx.services.aws(), ctx.account.stackName, ctx.signal);
		ctx.notice(level, message);
	} catch (error) {
		ctx.signal.throwIfAborted();
		ctx.notice('warn', `The rack's instance role was not checked for cloudwatch:PutMetricData: ${errorText(error)}`);
	}
}

/** The template the build uses, the AMI version, what is checked in it and where `source_ami` is recorded. */
function planLine({config, configDir, account, templatePath}: PlanFacts): PlanEntry {
	const amiVersion = account.production
		? 'the short git SHA of the repository holding the template (clean working tree required)'
		: '`dev-<UTC timestamp>`';
	const varFiles = varFilePaths(config, account, configDir).map(inlineCode);
	const varFilesLine =
		varFiles.length > 0
			? ` Var files, passed in this order before convox-ami's own variables: ${varFiles.join(', ')}; each variable they set must be declared by the template, their values are shown (secrets masked).`
			: '';
	return {
		summary: `${inlineCode(templatePath)}; AMI version ${amiVersion}; ${account.production ? 'the committed template must already record the base AMI as `source_ami`' : 'the base AMI is recorded as `source_ami` in the template (diff shown, confirmed)'}. The template is checked against what the build passes: undeclared variables (Packer ignores them), secrets outside \`sensitive-variables\`, the \`ReleaseRun\` tag from \`run_id\` (${account.production ? 'reported' : 'offered when missing, diff shown, confirmed'}); a template that shares the AMI (\`ami_users\`, \`ami_groups\`, \`snapshot_users\`, \`snapshot_groups\`) is refused.${varFilesLine}`,
	};
}

export const templateStep: Step<'template'> = {
	id: 'template',
	plan: planLine,
	async run(ctx) {
		const version = ctx.outputs('resolve-version');
		if (!version.convoxVersion || !version.sourceAmi) {
			throw new StepFailedError(
				'The template step needs the Convox version and source AMI, and the version step has not recorded them.',
				'Run `convox-ami resume` so that the version step runs first.',
			);
		}
		const {convoxVersion} = version;
		const {template, inspection, bundled} = await locateTemplate(ctx);
		const region = await regionForBuild(ctx, inspection, version.sourceAmi);
		const {sourceAmi} = region;
		const {backend} = metricsOf(ctx.account);
		const findings = templateFindings(inspection, backend);
		refuseSharing(template, findings);
		await checkPackerAtHand(ctx, inspection, template.path);
		const git = createGit(ctx.services.binaries.git, ctx.services.environment);
		let root: Promise<string | undefined> | undefined;
		const repoRoot = () => (root ??= findRepo(ctx, git, template.path));

		const varFiles = await configuredVarFiles(ctx);
		const {names: varFileSecrets, values: hidden} = checkVarFiles(ctx, template.path, inspection, findings, varFiles);
		const record = await sourceAmiRecord(template.path, varFiles);

		let amiVersion: string;
		let gitSha: string | undefined;
		let built = template;
		let hcl2Inspection: TemplateInspection | undefined;
		if (ctx.account.production) {
			({amiVersion, gitSha} = await productionVersion(ctx, git, template, record, hidden, sourceAmi, convoxVersion));
			await offerReleaseRun(ctx, template, inspection, findings, true, repoRoot);
		} else if (isHcl2Path(template.path)) {
			amiVersion = devVersion();
			if (record) await recordSourceAmi(ctx, record, hidden, bundled, sourceAmi, repoRoot);
			else
				ctx.notice('warn', `${template.path} declares no variable "source_ami": declare it so that the build can pass ${sourceAmi} to it.`);
			await offerReleaseRun(ctx, template, inspection, findings, bundled, repoRoot);
			// The files as they are now, with whatever the operator accepted to add.
			hcl2Inspection = (await readHcl2Template(template.path)).inspection;
		} else {
			amiVersion = devVersion();
			const written = record && (await recordSourceAmi(ctx, record, hidden, bundled, sourceAmi, repoRoot));
			if (written !== undefined && record?.file === template.path) built = parseTemplate(template.path, written);
			built = parseTemplate(
				template.path,
				await offerReleaseRun(ctx, built, inspectTemplate(built), templateFindings(inspectTemplate(built), backend), bundled, repoRoot),
			);
		}
		const builtInspection = hcl2Inspection ?? (built === template ? inspection : inspectTemplate(built));

		ctx.notice('info', `Template: ${template.path}${bundled ? ' (shipped with convox-ami)' : ''}`);
		ctx.notice('info', `Region: ${region.summary}`);
		ctx.notice('info', `Source AMI: ${sourceAmi}`);
		ctx.notice('info', `Env: ${ctx.accountName}${ctx.account.production ? ' (production)' : ''}`);
		ctx.notice('info', `AMI version: ${amiVersion}${gitSha ? " (the template's commit)" : ' (dev build id)'}`);
		ctx.notice('info', `Convox version: ${convoxVersion}`);

		const outputs: TemplateOutputs = {
			templatePath: template.path,
			amiVersion,
			env: ctx.accountName,
			region: ctx.region,
			sourceAmi,
			convoxVersion,
			...reportFindings(ctx, template.path, builtInspection, templateFindings(builtInspection, backend)),
		};
		if (gitSha) outputs.gitSha = gitSha;
		Object.assign(outputs, buildRegionOutputs(region, ctx.region));
		if (varFiles.length > 0) outputs.varFiles = varFiles.map(varFile => varFile.path);
		if (varFileSecrets.length > 0) outputs.varFileSecrets = varFileSecrets;
		if (backend === 'cloudwatch') await noticeInstanceRole(ctx);
		return outputs;
	},
};
