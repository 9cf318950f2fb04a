/** Packer's own phases of an amazon-ebs build, read off its messages (services/packer/phases.ts), with their labels. */
const PACKER_PHASE_LABELS = {
	prevalidate: 'prevalidate',
	'key-pair': 'key pair & security group',
	launch: 'launch',
	'wait-instance': 'wait for instance',
	connect: 'connect',
	provision: 'provision',
	stop: 'stop',
	'create-ami': 'create AMI',
	'wait-ami': 'wait for AMI',
	'clean-up': 'clean up',
} as const;

/** Every phase the build step reports with `progress`, in the order a build goes through them, with its label on the build pane. */
const BUILD_PHASE_LABELS = {start: 'start', ...PACKER_PHASE_LABELS, 'copy-to-rack': "copy to the rack's region"} as const;

export type PackerPhase = keyof typeof PACKER_PHASE_LABELS;
type BuildPhase = keyof typeof BUILD_PHASE_LABELS;

/** What a step may say with `ctx.progress`: the build's phases, and the stack update while update-stack watches it. */
export type StepPhase = BuildPhase | 'stack update';

/** The build pane's label of a phase; a phase this version does not know (an event of another) shows its id. */
export function buildPhaseLabel(phase: string): string {
	return Object.hasOwn(BUILD_PHASE_LABELS, phase) ? BUILD_PHASE_LABELS[phase as BuildPhase] : phase;
}
