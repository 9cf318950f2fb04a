/** A throttled AWS call: the SDK's own verdict, or the names and messages throttling goes by. */
export function isThrottling(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	const retryable = (error as {$retryable?: {throttling?: boolean}}).$retryable;
	return retryable?.throttling === true || /Throttl|Rate exceeded|TooManyRequests/i.test(`${error.name} ${error.message}`);
}
