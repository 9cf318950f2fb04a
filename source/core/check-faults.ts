/** Who a failed check's failure lies with: `backend` when the monitoring service, not the release, is at fault. */
export type CheckFault = 'release' | 'backend';

interface CheckOutcome {
	required: boolean;
	status: string;
	fault?: CheckFault;
}

/** Verification failed only because monitoring services are gone: putting the stack back would change nothing. */
export function onlyMonitoringFailed(checks: readonly CheckOutcome[]): boolean {
	const failed = checks.filter(check => check.required && check.status === 'fail');
	return failed.length > 0 && failed.every(check => check.fault === 'backend');
}
