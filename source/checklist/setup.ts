import type {AccountConfig} from '../config/schema';
import type {RackTarget} from '../services/probes/rack';
import {retryUntil, type RetryOptions} from '../services/probes/retry';
import type {ProbeOutcome} from '../services/probes/outcome';
import type {Services} from '../core/ports';
import type {RunSecrets} from '../core/secrets';

export interface VerifyTargets extends RackTarget {
	stackName: string;
	/** When the stack update completed; absent for a standalone checklist. */
	updatedAt?: Date;
	/** What instances run when the stack's Ami is empty: the version's stock AMI for the region. */
	stockAmiId?: string;
}

export interface ChecklistSetup {
	account: AccountConfig;
	services: Services;
	/** The run's secrets: the only place a check takes a credential from. */
	secrets: RunSecrets;
	/** The run the checks prove, e.g. to tell its log line apart. */
	runId: string;
	/** Working folder for custom command checks (the config's folder). */
	configDir: string;
	targets: VerifyTargets;
	/** How long a check keeps retrying before it fails. */
	probeTimeoutMs: number;
}

const DEFAULT_PROBE_TIMEOUT_SECONDS = 300;

/** `CONVOX_AMI_PROBE_TIMEOUT` (seconds) wins over the account's `probeTimeout`; 300 s otherwise. */
export function probeTimeoutMs(environment: NodeJS.ProcessEnv, account: AccountConfig): number {
	const fromEnvironment = Number(environment.CONVOX_AMI_PROBE_TIMEOUT);
	const seconds =
		environment.CONVOX_AMI_PROBE_TIMEOUT && Number.isFinite(fromEnvironment) && fromEnvironment > 0
			? fromEnvironment
			: (account.probeTimeout ?? DEFAULT_PROBE_TIMEOUT_SECONDS);
	return seconds * 1000;
}

export function retryOptions(setup: ChecklistSetup, signal: AbortSignal, onRetry: (detail: string) => void): RetryOptions {
	const timeoutMs = setup.probeTimeoutMs;
	return {timeoutMs, initialDelayMs: Math.min(1000, Math.max(50, timeoutMs / 10)), maxDelayMs: 15_000, signal, onRetry};
}

/** `attempt` retried with the setup's timeout and backoff until it passes or fails for good. */
export function retried(
	setup: ChecklistSetup,
	signal: AbortSignal,
	progress: (detail: string) => void,
	attempt: (remainingMs: number) => Promise<ProbeOutcome>,
): Promise<ProbeOutcome> {
	return retryUntil(attempt, retryOptions(setup, signal, progress));
}

/** When the evidence must be newer than: the stack update's completion, or for a standalone checklist this long ago. */
export function evidenceSince(setup: ChecklistSetup, standaloneWindowMs: number): Date {
	return setup.targets.updatedAt ?? new Date(Date.now() - standaloneWindowMs);
}
