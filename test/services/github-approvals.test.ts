import {afterEach, describe, expect, it} from 'vitest';
import {readEnvironmentReviews} from '../../source/services/github-approvals';
import {reviewHistory, serveApprovals} from '../support/github-approvals-stand-in';
import type {Loopback} from '../support/loopback';

const TOKEN = 'ghs_approvalsT0ken';
const ACTIONS = {GITHUB_ACTIONS: 'true', GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'octo-org/convox-racks', GITHUB_RUN_ID: '9876543210'};

let github: Loopback | undefined;
afterEach(async () => {
	await github?.close();
	github = undefined;
});

async function withHistory(history: unknown) {
	github = await serveApprovals({token: TOKEN, repository: ACTIONS.GITHUB_REPOSITORY, runId: ACTIONS.GITHUB_RUN_ID, history});
	return {...ACTIONS, GITHUB_API_URL: github.url};
}

describe("the reviewers of the job's GitHub environment", () => {
	it('reads the approved reviews of the run (rejected ones left out), with the token and the API version', async () => {
		const env = await withHistory(
			reviewHistory('convox-prod', [
				{login: 'ana', state: 'approved', comment: 'Ship it!'},
				{login: 'bo', state: 'rejected', comment: 'not yet'},
				{login: 'cy', state: 'approved', comment: ''},
			]),
		);
		expect(await readEnvironmentReviews(env)).toEqual({
			reviewers: [
				{login: 'ana', comment: 'Ship it!', environments: ['convox-prod']},
				{login: 'cy', comment: '', environments: ['convox-prod']},
			],
		});
		expect(github!.requests[0]!.headers).toMatchObject({accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28'});
	});

	it("with CONVOX_AMI_GITHUB_ENVIRONMENT, only that environment's reviewers (the run's history holds every environment's)", async () => {
		const env = await withHistory([
			...reviewHistory('convox-staging', [{login: 'xu', state: 'approved', comment: 'staging ok'}]),
			...reviewHistory('convox-prod', [{login: 'ana', state: 'approved', comment: 'Ship it!'}]),
		]);
		expect(await readEnvironmentReviews({...env, CONVOX_AMI_GITHUB_ENVIRONMENT: 'convox-prod'})).toEqual({
			reviewers: [{login: 'ana', comment: 'Ship it!', environments: ['convox-prod']}],
		});
		expect((await readEnvironmentReviews(env)) as {reviewers: unknown[]}).toMatchObject({reviewers: [{login: 'xu'}, {login: 'ana'}]});
	});

	it('outside GitHub Actions: not asked', async () => {
		expect(await readEnvironmentReviews({GITHUB_ACTOR: 'ana'})).toBeUndefined();
	});

	it('says why it cannot tell, never with the token', async () => {
		expect(await readEnvironmentReviews({GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'o/r'})).toEqual({
			unavailable: "GITHUB_TOKEN, GITHUB_RUN_ID not set in the job's environment",
		});
		const env = await withHistory([]);
		const refused = await readEnvironmentReviews({...env, GITHUB_TOKEN: 'ghs_wrongT0ken'});
		expect(refused).toEqual({
			unavailable: `${github!.url}/repos/octo-org/convox-racks/actions/runs/9876543210/approvals answered HTTP 401`,
		});
		const otherRun = await readEnvironmentReviews({...env, GITHUB_RUN_ID: '1'});
		expect(otherRun).toEqual({unavailable: expect.stringMatching(/answered HTTP 404 \(the job's permissions need `actions: read`\)$/)});
		await github!.close();
		const gone = await readEnvironmentReviews(env);
		expect(gone).toEqual({unavailable: expect.stringMatching(/approvals did not answer: /)});
		expect(JSON.stringify([refused, otherRun, gone])).not.toMatch(/ghs_/);
		expect(await readEnvironmentReviews(await withHistory({message: 'odd'}))).toEqual({
			unavailable: expect.stringMatching(/answered something that is not a review history$/),
		});
	});
});
