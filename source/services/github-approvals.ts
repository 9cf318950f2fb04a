import type {EnvironmentReviewer} from '../core/step-outputs';
import {errorText} from '../core/errors';

/** One entry of GitHub's review history of a workflow run (`environment-approvals`). */
interface EnvironmentApproval {
	state: 'approved' | 'rejected' | 'pending';
	comment?: string;
	environments?: Array<{name?: string}>;
	user?: {login?: string};
}

export type EnvironmentReviews = {reviewers: EnvironmentReviewer[]} | {unavailable: string};

const TIMEOUT_MS = 10_000;

/**
 * In GitHub Actions, the reviewers who approved the environments of this workflow run (only those
 * of `CONVOX_AMI_GITHUB_ENVIRONMENT` when the job names its environment there: a run's history
 * holds every environment's reviews):
 * `GET {GITHUB_API_URL}/repos/{GITHUB_REPOSITORY}/actions/runs/{GITHUB_RUN_ID}/approvals` with
 * `GITHUB_TOKEN` (which needs `actions: read`). Undefined outside Actions; `unavailable` says why
 * they could not be read (never with the token).
 */
export async function readEnvironmentReviews(
	environment: NodeJS.ProcessEnv,
	signal?: AbortSignal,
): Promise<EnvironmentReviews | undefined> {
	if (environment.GITHUB_ACTIONS !== 'true') return undefined;
	const {GITHUB_TOKEN: token, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId} = environment;
	const missing = Object.entries({GITHUB_TOKEN: token, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId})
		.filter(([, value]) => !value)
		.map(([name]) => name);
	if (missing.length > 0) return {unavailable: `${missing.join(', ')} not set in the job's environment`};
	const url = `${(environment.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '')}/repos/${repository}/actions/runs/${runId}/approvals`;
	const timeout = AbortSignal.timeout(TIMEOUT_MS);
	let response: Response;
	try {
		response = await fetch(url, {
			headers: {authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28'},
			signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
		});
	} catch (error) {
		return {unavailable: `${url} did not answer: ${errorText(error)}`};
	}
	if (!response.ok) {
		const hint = response.status === 403 || response.status === 404 ? " (the job's permissions need `actions: read`)" : '';
		return {unavailable: `${url} answered HTTP ${response.status}${hint}`};
	}
	let history: EnvironmentApproval[];
	try {
		history = (await response.json()) as EnvironmentApproval[];
	} catch {
		return {unavailable: `${url} answered something that is not JSON`};
	}
	if (!Array.isArray(history)) return {unavailable: `${url} answered something that is not a review history`};
	const jobEnvironment = environment.CONVOX_AMI_GITHUB_ENVIRONMENT;
	const ofThisJob = (review: EnvironmentApproval) =>
		!jobEnvironment || (review.environments ?? []).some(named => named.name === jobEnvironment);
	return {
		reviewers: history
			.filter(review => review.state === 'approved' && review.user?.login && ofThisJob(review))
			.map(review => ({
				login: review.user!.login!,
				comment: review.comment ?? '',
				environments: (review.environments ?? []).flatMap(named => (named.name ? [named.name] : [])),
			})),
	};
}
