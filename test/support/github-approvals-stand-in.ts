import {reply, serve, type Loopback} from './loopback';

/** The review history of a workflow run, in the shape of GitHub's REST docs (`environment-approvals`). */
export function reviewHistory(environment: string, reviews: Array<{login: string; state: string; comment: string}>) {
	return reviews.map(({login, state, comment}) => ({
		state,
		comment,
		environments: [
			{
				id: 161088068,
				node_id: 'MDExOkVudmlyb25tZW50MTYxMDg4MDY4',
				name: environment,
				url: `https://api.github.com/repos/octo-org/convox-racks/environments/${environment}`,
				html_url: `https://github.com/octo-org/convox-racks/deployments/activity_log?environments_filter=${environment}`,
				created_at: '2026-11-23T22:00:40Z',
				updated_at: '2026-11-23T22:00:40Z',
			},
		],
		user: {login, id: 1, node_id: 'MDQ6VXNlcjE=', type: 'User', site_admin: false, url: `https://api.github.com/users/${login}`},
	}));
}

/**
 * GitHub's `GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals` on loopback: the history for
 * requests with `Authorization: Bearer TOKEN`, 401 without, 404 for another path.
 */
export function serveApprovals(options: {token: string; repository: string; runId: string; history: unknown}): Promise<Loopback> {
	return serve((request, response) => {
		if (request.headers.authorization !== `Bearer ${options.token}`)
			return reply(response, 401, {message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest'});
		if (request.url !== `/repos/${options.repository}/actions/runs/${options.runId}/approvals`)
			return reply(response, 404, {message: 'Not Found', documentation_url: 'https://docs.github.com/rest'});
		reply(response, 200, options.history);
	});
}
