/** The Packer variables every build passes with `-var`; the secrets are in workflow/secrets.ts. */
export const PACKER_VARIABLES = ['source_ami', 'region', 'env', 'version', 'convox_version', 'run_id'] as const;

export type PackerVariable = (typeof PACKER_VARIABLES)[number];

/** The variable whose value the AMI's `ReleaseRun` tag carries, so that resume finds the image by its run. */
export const RUN_ID_VARIABLE: PackerVariable = 'run_id';

/** Passed only to a template that declares it: the build instance type of the base AMI's architecture. */
export const INSTANCE_TYPE_VARIABLE = 'instance_type';
