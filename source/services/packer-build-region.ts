import {DescribeImagesCommand, type EC2Client} from '@aws-sdk/client-ec2';
import type {TemplateBuilder} from './packer-template-inspection';

/** Where Packer builds the AMI for a rack, and how the rack's region reaches the template. */
export interface BuildRegion {
	/** The region Packer builds in. */
	region: string;
	/** The template variable that feeds the builder's region: the rack's region is passed through it. */
	variable?: string;
	/** The builder's region is written in the template (not the rack's): the AMI is copied to the rack's region. */
	hardWired?: boolean;
	/** The builder's region is an expression convox-ami does not evaluate: it assumes the rack's region. */
	expression?: string;
}

function resolved(region: TemplateBuilder['region'], rackRegion: string): BuildRegion {
	if (!region) return {region: rackRegion};
	if ('variable' in region) return {region: rackRegion, variable: region.variable};
	if ('expression' in region) return {region: rackRegion, expression: region.expression};
	return region.literal === rackRegion ? {region: rackRegion} : {region: region.literal, hardWired: true};
}

/**
 * Where the template's AMI builders build, resolved against the rack's region: through the variable
 * that feeds a builder's region (Packer 1.6.6 silently ignores a `-var region=…` the template does
 * not declare), or the region written in it. Of several AMI builders, the one fed by a variable
 * wins, then one building in the rack's region; only when every one is written elsewhere is the
 * AMI built there and copied (the build step takes the artifact of the chosen region).
 */
export function buildRegionOf(builders: readonly TemplateBuilder[], rackRegion: string): BuildRegion {
	const candidates = builders.filter(builder => builder.makesAmi && builder.region).map(builder => resolved(builder.region, rackRegion));
	return candidates.find(build => build.variable) ?? candidates.find(build => !build.hardWired) ?? candidates[0] ?? {region: rackRegion};
}

/**
 * The image of another region that is the same base as `amiId`: same owner, same name (Amazon
 * publishes its ECS-optimized AMIs under one name in every region). Undefined when there is none.
 */
export async function sameImageIn(
	from: EC2Client,
	to: EC2Client,
	amiId: string,
	signal?: AbortSignal,
): Promise<{amiId: string; name: string} | undefined> {
	const {Images: source} = await from.send(new DescribeImagesCommand({ImageIds: [amiId]}), {abortSignal: signal});
	const name = source?.[0]?.Name;
	const owner = source?.[0]?.OwnerId;
	if (!name || !owner) return undefined;
	const {Images: found} = await to.send(new DescribeImagesCommand({Owners: [owner], Filters: [{Name: 'name', Values: [name]}]}), {
		abortSignal: signal,
	});
	const match = found?.find(image => image.Name === name && image.ImageId);
	return match ? {amiId: match.ImageId!, name} : undefined;
}
