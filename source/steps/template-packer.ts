import {packerFindings, type PackerFinding} from '../services/packer/requirements';
import {packerAtHand, runPackerCommand, type PackerAtHand} from '../services/packer/version';
import type {TemplateInspection} from '../services/packer-template-inspection';
import {StepFailedError, UsageError, errorText} from '../core/errors';
import {runModeOf} from '../core/run-mode';
import type {StepContext} from '../core/step';

type MissingPlugins = Extract<PackerFinding, {kind: 'missing-plugins'}>;

const commandLine = (binary: string, finding: MissingPlugins) => [binary, ...finding.command].join(' ');
const pluginList = (finding: MissingPlugins) =>
	finding.plugins.map(plugin => (plugin.version ? `${plugin.source} ${plugin.version}` : plugin.source)).join(', ');

function describe(atHand: PackerAtHand): string {
	if (!atHand.plugins) return `Packer ${atHand.version} (${atHand.binary}), amazon-ebs bundled.`;
	const plugins = atHand.plugins.map(plugin => `${plugin.source}${plugin.version ? ` ${plugin.version}` : ''}`);
	return `Packer ${atHand.version} (${atHand.binary}); plugins installed: ${plugins.join(', ') || '(none)'}.`;
}

async function install(ctx: StepContext, binary: string, finding: MissingPlugins): Promise<void> {
	const line = commandLine(binary, finding);
	ctx.notice('info', `Running ${line}`);
	const result = await runPackerCommand(binary, finding.command, ctx.services.environment, ctx.signal);
	for (const output of result.output.split('\n').filter(Boolean)) ctx.notice('info', output);
	if (result.exitCode !== 0)
		throw new StepFailedError(`\`${line}\` failed (exit ${result.exitCode}).`, 'Run it yourself to see why, then `convox-ami resume`.');
}

/**
 * Before anything is built or written: the Packer at hand must accept the template and have the
 * plugins its builders need (Packer 1.10 and later bundle none). A missing plugin is installed
 * when the operator agrees (or gave --yes); otherwise the run stops naming the command.
 */
export async function checkPackerAtHand(ctx: StepContext, inspection: TemplateInspection, templateLocation: string): Promise<void> {
	const binary = ctx.services.binaries.packer;
	let atHand: PackerAtHand;
	try {
		atHand = await packerAtHand(binary, ctx.services.environment, ctx.signal);
	} catch (error) {
		ctx.signal.throwIfAborted();
		ctx.notice('warn', `The Packer version was not checked: ${errorText(error)}. The build will tell whether it can build the template.`);
		return;
	}
	ctx.notice('info', describe(atHand));
	const findings = packerFindings(atHand, inspection, templateLocation);
	for (const finding of findings) {
		if (finding.kind === 'packer-too-old')
			throw new UsageError(
				`The template ${templateLocation} needs Packer ${finding.required}, and ${binary} is Packer ${finding.actual}.`,
				'Install a Packer that meets it (or name one with "binaries.packer" in the config), then run `convox-ami resume`.',
			);
	}
	for (const finding of findings.filter((candidate): candidate is MissingPlugins => candidate.kind === 'missing-plugins')) {
		const line = commandLine(binary, finding);
		const problem = `Packer ${atHand.version} bundles no plugin, and ${pluginList(finding)} is not installed: the build would stop at once.`;
		if (runModeOf(ctx.run).readOnly) {
			ctx.notice('warn', `${problem} A live run offers to run \`${line}\`.`);
			continue;
		}
		if (!ctx.prompt.interactive && !ctx.flags.yes)
			throw new UsageError(problem, `Run \`${line}\` (or give --yes to let convox-ami run it), then \`convox-ami resume\`.`);
		const agreed = await ctx.prompt.confirm({message: `${problem} Run \`${line}\` now?`, remedy: '--yes', defaultValue: true});
		if (!agreed) throw new UsageError(problem, `Run \`${line}\`, then \`convox-ami resume\`.`);
		ctx.signal.throwIfAborted();
		await install(ctx, binary, finding);
	}
	if (findings.some(finding => finding.kind === 'missing-plugins') && !runModeOf(ctx.run).readOnly) {
		const still = packerFindings(await packerAtHand(binary, ctx.services.environment, ctx.signal), inspection, templateLocation);
		const missing = still.filter((finding): finding is MissingPlugins => finding.kind === 'missing-plugins');
		if (missing.length > 0)
			throw new StepFailedError(
				`${missing.map(pluginList).join(', ')} is still not installed after ${missing.map(finding => `\`${commandLine(binary, finding)}\``).join(', ')}.`,
				'Check `packer plugins installed` and PACKER_PLUGIN_PATH, then run `convox-ami resume`.',
			);
	}
}
