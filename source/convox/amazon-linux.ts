export type AmazonLinux = 'al1' | 'al2' | 'al2023';

/** The ECS-optimized Amazon Linux 2 AMIs' end of support. */
const AL2_END_OF_SUPPORT = '2026-06-30';
/** The first Convox release whose DefaultAmi and DefaultAmiArm are Amazon Linux 2023. */
const AL2023_CONVOX_VERSION = '20260708102410';

/**
 * The Amazon Linux release of an ECS-optimized base AMI, from its SSM parameter path
 * (`/aws/service/ecs/optimized-ami/amazon-linux-2023/…`) or its image name (`al2023-ami-ecs-…`,
 * `amzn2-ami-ecs-…`, `amzn-ami-…-amazon-ecs-optimized`); undefined when neither tells.
 */
export function amazonLinuxOf(base: {parameterPath?: string | null; imageName?: string}): AmazonLinux | undefined {
	const path = base.parameterPath ?? '';
	if (path.includes('/amazon-linux-2023')) return 'al2023';
	if (path.includes('/amazon-linux-2/')) return 'al2';
	const name = base.imageName ?? '';
	if (/^al2023-ami/.test(name)) return 'al2023';
	if (/^amzn2-ami/.test(name)) return 'al2';
	if (/^amzn-ami/.test(name)) return 'al1';
	return undefined;
}

/** What an operator should hear about the base's era before anything is built, if anything. */
export function baseEraNotice(release: AmazonLinux | undefined, metricsBackend: 'cloudwatch' | 'librato'): string | undefined {
	if (release === 'al2')
		return `The base AMI is Amazon Linux 2, whose ECS-optimized AMIs reached their end of support on ${AL2_END_OF_SUPPORT}. Convox ${AL2023_CONVOX_VERSION} moves the rack's DefaultAmi to Amazon Linux 2023: release that version or a later one (--convox-version), and leave the stack's Ami to this tool.`;
	if (release === 'al1' && metricsBackend === 'cloudwatch')
		return `The base AMI is Amazon Linux 1, which cannot run the CloudWatch agent the AMI ships metrics with: the build's provisioning will stop. Release Convox ${AL2023_CONVOX_VERSION} or later (an Amazon Linux 2023 base), or keep the legacy Librato backend ("metrics": {"backend": "librato"}).`;
	return undefined;
}
