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

/**
 * The region of the template's first AMI builder, resolved against the rack's: through the variable
 * that feeds it (Packer 1.6.6 silently ignores a `-var region=…` the template does not declare),
 * or the region written in it, where the AMI must then be built and copied from.
 */
export function buildRegionOf(builders: readonly TemplateBuilder[], rackRegion: string): BuildRegion {
	const region = builders.find(builder => builder.makesAmi && builder.region)?.region;
	if (!region) return {region: rackRegion};
	if ('variable' in region) return {region: rackRegion, variable: region.variable};
	if ('expression' in region) return {region: rackRegion, expression: region.expression};
	return region.literal === rackRegion ? {region: rackRegion} : {region: region.literal, hardWired: true};
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
