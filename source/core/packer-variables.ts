/** The Packer variables every build passes with `-var`; the secrets are in core/secrets.ts. */
export const PACKER_VARIABLES = ['source_ami', 'region', 'env', 'version', 'convox_version', 'run_id'] as const;

export type PackerVariable = (typeof PACKER_VARIABLES)[number];

/** The variable whose value the AMI's `ReleaseRun` tag carries, so that resume finds the image by its run. */
export const RUN_ID_VARIABLE: PackerVariable = 'run_id';

/** Passed only to a template that declares it: the build instance type of the base AMI's architecture. */
export const INSTANCE_TYPE_VARIABLE = 'instance_type';

/** Passed only to a template that declares it: where collectd ships metrics (packer/scripts/provision.sh's METRICS_BACKEND). */
const METRICS_BACKEND_VARIABLE = 'metrics_backend';

/** `cloudwatch` (the template's default) through the CloudWatch agent, Amazon Linux 2 and 2023 only; `librato` is past its end of service. */
export type MetricsBackend = 'cloudwatch' | 'librato';

export interface OptionalVariableValues {
	/** The build instance type (resolve-version's `buildInstanceType`). */
	instanceType?: string;
	/** Unset: the template's own default. */
	metricsBackend?: MetricsBackend;
}

/** The optional variables a build passes with `-var`: each given value whose variable the template declares. */
export function optionalVariables(declared: readonly string[] | undefined, values: OptionalVariableValues): Record<string, string> {
	const byVariable: Record<string, string | undefined> = {
		[INSTANCE_TYPE_VARIABLE]: values.instanceType,
		[METRICS_BACKEND_VARIABLE]: values.metricsBackend,
	};
	return Object.fromEntries(
		Object.entries(byVariable).flatMap(([variable, value]) =>
			value !== undefined && declared?.includes(variable) ? [[variable, value]] : [],
		),
	);
}
