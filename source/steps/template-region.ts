import {StepFailedError, errorText} from '../core/errors';
import type {StepContext} from '../core/step';
import type {TemplateOutputs} from '../core/step-outputs';
import {buildRegionOf, sameImageIn, type BuildRegion} from '../services/packer-build-region';
import type {TemplateInspection} from '../services/packer-template-inspection';

export interface TemplateRegion {
	build: BuildRegion;
	/** The base AMI in the build's region: the rack's own, or the same image where the template builds. */
	sourceAmi: string;
	/** The `Region:` line of the template step. */
	summary: string;
}

/** The base AMI where a hard-wired template builds; refused with what to change when there is none. */
async function sourceAmiIn(ctx: StepContext, region: string, sourceAmi: string): Promise<{amiId: string; name: string}> {
	const aws = await ctx.services.aws();
	const change = `Make the builder's region a variable (region = var.region in HCL2, "{{user \`region\`}}" in JSON) so that the AMI is built in ${ctx.region}, then run \`convox-ami resume\`.`;
	let found;
	try {
		found = await sameImageIn(aws.ec2, aws.ec2For(region), sourceAmi, ctx.signal);
	} catch (error) {
		ctx.signal.throwIfAborted();
		throw new StepFailedError(
			`Could not find the base AMI ${sourceAmi} of ${ctx.region} in ${region}, where the template builds (DescribeImages): ${errorText(error)}`,
			`Check the network and the credentials, then run \`convox-ami resume\`. Or: ${change}`,
		);
	}
	if (!found) {
		throw new StepFailedError(
			`The template builds in ${region} (written in its builder), but the base AMI ${sourceAmi} of ${ctx.region} has no image of the same owner and name there.`,
			change,
		);
	}
	return found;
}

/**
 * Where Packer builds for this rack: in the rack's region (passed through the variable that feeds
 * the builder's region), or where a builder's region written in the template says, with the base
 * AMI of that region; the AMI is then copied to the rack's region by the build step.
 */
export async function regionForBuild(ctx: StepContext, inspection: TemplateInspection, sourceAmi: string): Promise<TemplateRegion> {
	const build = buildRegionOf(inspection.builders, ctx.region);
	if (build.variable) return {build, sourceAmi, summary: `${ctx.region} (passed to the builder through the variable ${build.variable})`};
	if (build.expression) {
		ctx.notice(
			'warn',
			`The builder's region is ${build.expression}, which convox-ami does not evaluate: it passes ${ctx.region} as the variable region and takes the build to happen there.`,
		);
	}
	if (!build.hardWired) return {build, sourceAmi, summary: ctx.region};
	const base = await sourceAmiIn(ctx, build.region, sourceAmi);
	ctx.notice(
		'warn',
		`The template builds in ${build.region} (written in its builder, not a variable): the AMI is built there from ${base.amiId} (${base.name}, the base ${sourceAmi} of ${ctx.region}) and copied to ${ctx.region}.`,
	);
	return {build, sourceAmi: base.amiId, summary: `${ctx.region}, built in ${build.region} and copied`};
}

/** What the build step needs to know of the region, journaled with the template step's outputs. */
export function buildRegionOutputs({build}: TemplateRegion, rackRegion: string): Pick<TemplateOutputs, 'buildRegion' | 'regionVariable'> {
	return {...(build.region === rackRegion ? {} : {buildRegion: build.region}), ...(build.variable ? {regionVariable: build.variable} : {})};
}
