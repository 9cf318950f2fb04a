import {realpath} from 'node:fs/promises';
import path from 'node:path';
import {createGit, type Git} from '../services/git';
import {bundledTemplatePath, lineDiff, parseTemplate, readTemplate, withSourceAmi, writeTemplate, type PackerTemplate} from '../services/packer-template';
import {StepFailedError, UsageError} from '../workflow/errors';
import type {Step, StepContext} from '../workflow/step';

export interface TemplateOutputs {
	[key: string]: unknown;
	templatePath: string;
	amiVersion: string;
	env: string;
	region: string;
	sourceAmi: string;
	convoxVersion: string;
	gitSha?: string;
}

/** The AMI version of a dev build: `dev-` and the UTC time to the second, e.g. dev-20261125010203. */
export function devVersion(now: Date = new Date()): string {
	return `dev-${now.toISOString().replace(/\D/g, '').slice(0, 14)}`;
}

const SHOWN_DIRTY_FILES = 10;

function notice(ctx: StepContext, message: string, level: 'info' | 'warn' = 'info') {
	ctx.emit({type: 'notice', step: 'template', level, message});
}

async function locateTemplate(ctx: StepContext): Promise<{template: PackerTemplate; bundled: boolean}> {
	const configured = ctx.config.template;
	let templatePath = configured ? path.resolve(ctx.configDir, configured) : undefined;
	try {
		templatePath ??= bundledTemplatePath();
		return {template: await readTemplate(templatePath), bundled: !configured};
	} catch (error) {
		const problem = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${templatePath} does not exist.` : (error as Error).message;
		if (configured) throw new UsageError(`The Packer template of the config cannot be read: ${problem}`, `Fix "template" in the config (relative paths resolve from ${ctx.configDir}).`);
		throw new StepFailedError(`The Packer template shipped with convox-ami cannot be read: ${problem}`, 'Reinstall convox-ami, or set "template" in the config to a template of your own.');
	}
}

async function findRepo(ctx: StepContext, git: Git, templatePath: string): Promise<string | undefined> {
	try {
		return await git.repoRoot(templatePath);
	} catch (error) {
		const message = `git (${ctx.services.binaries.git}) could not be run: ${(error as Error).message}`;
		if (ctx.account.production) throw new StepFailedError(message, 'Install git or set "binaries.git" in the config: a production AMI is versioned by its commit.');
		notice(ctx, `${message}; the template's commit is not recorded.`, 'warn');
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

function showDiff(ctx: StepContext, before: string, after: string, label: string) {
	for (const line of lineDiff(before, after, label)) notice(ctx, line);
}

/**
 * Production: the AMI version is the short SHA of the clean repository holding the template, and
 * the committed template must already record the source AMI. A rehearsal only warns where a live
 * run would refuse, so that a dev → prod rehearsal runs from any checkout.
 */
async function productionVersion(ctx: StepContext, git: Git, template: PackerTemplate, sourceAmi: string, convoxVersion: string): Promise<{amiVersion: string; gitSha?: string}> {
	const rehearsal = ctx.run.mode === 'rehearsal';
	const refuse = (message: string, hint: string) => {
		if (!rehearsal) throw new StepFailedError(message, hint);
		notice(ctx, `A live production run would stop here: ${message} ${hint}`, 'warn');
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
		refuse(`The repository ${root} has no commit yet.`, `Commit the template (git -C ${root} add ${path.relative(root, template.path)} && git -C ${root} commit), then run \`convox-ami resume\`.`);
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

	const relative = await git.relativePath(root, template.path);
	const committed = await git.committedContent(root, template.path);
	if (committed === undefined) {
		refuse(`The template ${relative} is not committed in ${root}.`, `Commit it (git -C ${root} add ${relative} && git -C ${root} commit), then run \`convox-ami resume\`.`);
		return {amiVersion: sha, gitSha: sha};
	}
	const recorded = parseTemplate(`${relative} at ${sha}`, committed).sourceAmi;
	if (recorded !== sourceAmi) {
		showDiff(ctx, committed, withSourceAmi(committed, sourceAmi), relative);
		refuse(
			`The committed ${relative} records source_ami ${recorded ?? '(none)'}, but this release builds from ${sourceAmi} (Convox ${convoxVersion}, ${ctx.region}).`,
			`Set "variables.source_ami" to "${sourceAmi}" in ${template.path} (the dev release of this version offers to write it), commit it (git -C ${root} commit -m "Base AMI ${sourceAmi} for Convox ${convoxVersion}" ${relative}), then run \`convox-ami resume\`.`,
		);
	}
	return {amiVersion: sha, gitSha: sha};
}

/** Dev: offer to record the source AMI in the template, showing the change first. */
async function recordSourceAmi(ctx: StepContext, git: Git, template: PackerTemplate, bundled: boolean, sourceAmi: string) {
	if (template.sourceAmi === sourceAmi) {
		notice(ctx, `${template.path} already records source_ami ${sourceAmi}.`);
		return;
	}
	const updated = withSourceAmi(template.text, sourceAmi);
	showDiff(ctx, template.text, updated, template.path);
	if (ctx.run.mode !== 'live' || ctx.run.options.dryRun) {
		notice(ctx, `${ctx.run.mode === 'rehearsal' ? 'Rehearsal' : 'Dry run'}: ${template.path} is not written.`);
		return;
	}
	const root = await findRepo(ctx, git, template.path);
	if (bundled && !root) {
		notice(
			ctx,
			`The build passes source_ami ${sourceAmi} as a variable. To record it for the production release, keep the packer/ folder in a git repository and name it with "template" in the config.`,
			'warn',
		);
		return;
	}
	const write = await ctx.prompt.confirm({message: `Record source_ami ${sourceAmi} in ${template.path}?`, remedy: '--yes', defaultValue: true});
	if (!write) {
		notice(ctx, `${template.path} left as it is: the build still uses ${sourceAmi}, but the production release refuses until the committed template records it.`, 'warn');
		return;
	}
	ctx.signal.throwIfAborted();
	await writeTemplate(template.path, updated);
	const commit = root ? ` Commit it before the production release: git -C ${root} commit -m "Base AMI ${sourceAmi}" ${path.relative(root, template.path)}` : '';
	notice(ctx, `Wrote source_ami ${sourceAmi} into ${template.path}.${commit}`);
}

export const templateStep: Step = {
	id: 'template',
	async run(ctx) {
		const version = ctx.outputs<{convoxVersion: string; sourceAmi: string}>('resolve-version');
		if (!version.convoxVersion || !version.sourceAmi) {
			throw new StepFailedError('The template step needs the Convox version and source AMI, and the version step has not recorded them.', 'Run `convox-ami resume` so that the version step runs first.');
		}
		const {convoxVersion, sourceAmi} = version;
		const {template, bundled} = await locateTemplate(ctx);
		const git = createGit(ctx.services.binaries.git, ctx.services.env);

		let amiVersion: string;
		let gitSha: string | undefined;
		if (ctx.account.production) {
			({amiVersion, gitSha} = await productionVersion(ctx, git, template, sourceAmi, convoxVersion));
		} else {
			amiVersion = devVersion();
			await recordSourceAmi(ctx, git, template, bundled, sourceAmi);
		}

		notice(ctx, `Template: ${template.path}${bundled ? ' (shipped with convox-ami)' : ''}`);
		notice(ctx, `Region: ${ctx.region}`);
		notice(ctx, `Source AMI: ${sourceAmi}`);
		notice(ctx, `Env: ${ctx.envName}${ctx.account.production ? ' (production)' : ''}`);
		notice(ctx, `AMI version: ${amiVersion}${gitSha ? ' (the template\'s commit)' : ' (dev build id)'}`);
		notice(ctx, `Convox version: ${convoxVersion}`);

		const outputs: TemplateOutputs = {templatePath: template.path, amiVersion, env: ctx.envName, region: ctx.region, sourceAmi, convoxVersion};
		if (gitSha) outputs.gitSha = gitSha;
		return outputs;
	},
};
