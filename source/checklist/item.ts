import type {ProbeOutcome} from '../services/probes/outcome';

interface ItemBase {
	id: string;
	title: string;
	/** A failed required item fails the verify step; others only warn. */
	required: boolean;
	/** The evidence comes from what our AMI installs: the stock AMI can never produce it, so the item is skipped there. */
	needsCustomAmi?: {installs: string};
}

/** Runs by itself; `progress` reports a retry in flight. */
export interface AutoItem extends ItemBase {
	kind: 'auto';
	probe(signal: AbortSignal, progress: (detail: string) => void): Promise<ProbeOutcome>;
}

/** Asked of the operator (yes / no / skip), or confirmed with `--confirm ID`. */
export interface ManualItem extends ItemBase {
	kind: 'manual';
	question: string;
	link?: string;
}

export type ChecklistItem = AutoItem | ManualItem;
