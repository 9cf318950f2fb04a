import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {runCli} from '../support/cli-env';
import {createStackWorld, eventsOf, noticesOf, stepEvent, type StackWorld} from '../support/stack-e2e-world';

const worlds: StackWorld[] = [];
afterEach(async () => {
	await Promise.all(worlds.splice(0).map(world => world.close()));
});

async function world(): Promise<StackWorld> {
	const created = await createStackWorld();
	worlds.push(created);
	return created;
}

const actions = (world: StackWorld) => world.aws.writes().map(call => call.action);

async function journalOf(world: StackWorld, runId: string) {
	return JSON.parse(await readFile(path.join(world.stateDir, 'runs', `${runId}.json`), 'utf8')) as {
		status: string;
		steps: Array<{id: string; status: string; outputs: Record<string, unknown>}>;
	};
}

const updateStackOf = async (world: StackWorld, runId: string) =>
	(await journalOf(world, runId)).steps.find(step => step.id === 'update-stack')!;

describe('approval between preview and execution, against the loopback CloudFormation', () => {
	it('release --until preview waits (exit 3) with the change set journaled; resume --approve executes exactly it and names the approver', async () => {
		const w = await world();
		const preview = await runCli([...w.releaseArgs, '--until', 'preview', '--json'], {cwd: w.dir, env: w.env});
		expect(preview.code, preview.stderr).toBe(3);
		const runId = String(preview.events[0]?.runId);
		const changeSet = eventsOf(preview.events, 'change-set')[0];
		expect(changeSet?.consoleUrl).toMatch(
			/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudformation\/home\?region=us-east-1#\/stacks\/changesets\/changes\?stackId=arn%3Aaws%3Acloudformation.*&changeSetId=arn%3A/,
		);
		expect(stepEvent(preview.events, 'update-stack', 'waiting')?.error).toContain(
			`Waiting for approval: change set ${String(changeSet?.changeSetName)}`,
		);
		expect(preview.stderr).toContain(`convox-ami resume ${runId} --approve`);
		expect(actions(w)).toEqual(['CreateChangeSet']);
		const waiting = await updateStackOf(w, runId);
		expect(waiting).toMatchObject({
			status: 'waiting',
			outputs: {changeSetName: changeSet?.changeSetName, preview: {changeSetName: changeSet?.changeSetName}},
		});
		expect(await readFile(path.join(w.stateDir, 'runs', `${runId}.report.md`), 'utf8')).toContain('**waiting for approval**');

		// Without --approve and nobody to ask, the run goes on waiting and nothing is written.
		const unapproved = await runCli(['resume', runId, '--json'], {cwd: w.dir, env: w.env});
		expect(unapproved.code, unapproved.stderr).toBe(3);
		expect(actions(w)).toEqual(['CreateChangeSet']);

		const approved = await runCli(['resume', runId, '--approve', '--confirm', 'sumologic', '--json'], {cwd: w.dir, env: w.env});
		expect(approved.code, approved.stderr).toBe(0);
		expect(actions(w)).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
		expect(w.aws.writes()[1]?.params).toMatchObject({ChangeSetName: changeSet?.changeSetName});
		expect(noticesOf(approved.events, 'update-stack')).toContainEqual(
			expect.stringMatching(/approved by .+ \(arn:aws:sts::111111111111:assumed-role\/Admin\/operator\)/),
		);
		const done = await updateStackOf(w, runId);
		expect(done.outputs.approval).toMatchObject({
			changeSetName: changeSet?.changeSetName,
			arn: 'arn:aws:sts::111111111111:assumed-role/Admin/operator',
		});
		const report = await readFile(path.join(w.stateDir, 'runs', `${runId}.report.md`), 'utf8');
		expect(report).toMatch(
			/previewed .* \(\[console\]\(https:.*\)\), approved by .+ \(`arn:aws:sts::111111111111:assumed-role\/Admin\/operator`\)/,
		);
	});

	it("in GitHub Actions without the job's token: the approver is journaled as who started the workflow, said as such", async () => {
		const w = await world();
		const preview = await runCli([...w.releaseArgs, '--until', 'preview', '--json'], {cwd: w.dir, env: w.env});
		expect(preview.code, preview.stderr).toBe(3);
		const runId = String(preview.events[0]?.runId);
		const actions: NodeJS.ProcessEnv = {
			...w.env,
			GITHUB_ACTIONS: 'true',
			GITHUB_ACTOR: 'octocat',
			GITHUB_REPOSITORY: 'octo-org/racks',
			GITHUB_RUN_ID: '42',
			GITHUB_TOKEN: undefined,
		};
		const approved = await runCli(['resume', runId, '--approve', '--confirm', 'sumologic', '--json'], {cwd: w.dir, env: actions});
		expect(approved.code, approved.stderr).toBe(0);
		expect(noticesOf(approved.events, 'update-stack')).toEqual(
			expect.arrayContaining([
				"No reviewer of this job's GitHub environment is known (GITHUB_TOKEN not set in the job's environment): the approval is journaled as the job started by octocat.",
				expect.stringMatching(/approved by the job started by octocat \(arn:aws:sts::111111111111:assumed-role\/Admin\/operator\)\.$/),
			]),
		);
		expect((await updateStackOf(w, runId)).outputs.approval).toMatchObject({user: 'octocat', startedBy: 'octocat'});
		expect(await readFile(path.join(w.stateDir, 'runs', `${runId}.report.md`), 'utf8')).toContain(
			'approved by the job started by octocat (',
		);
	});

	it('a stack changed since the preview gets a fresh change set and a fresh approval; the stale one is deleted', async () => {
		const w = await world();
		const preview = await runCli([...w.releaseArgs, '--until', 'preview', '--json'], {cwd: w.dir, env: w.env});
		expect(preview.code, preview.stderr).toBe(3);
		const runId = String(preview.events[0]?.runId);
		const first = String(eventsOf(preview.events, 'change-set')[0]?.changeSetName);

		const stack = w.aws.state.stack('convox-dev');
		stack.parameters = stack.parameters.map(parameter => (parameter.key === 'ApiCpu' ? {...parameter, value: '256'} : parameter));
		w.aws.state.commit();

		const again = await runCli(['resume', runId, '--approve', '--json'], {cwd: w.dir, env: w.env});
		expect(again.code, again.stderr).toBe(3);
		expect(noticesOf(again.events, 'update-stack')).toContainEqual(
			expect.stringContaining(`changed since change set ${first} was previewed`),
		);
		const second = String(eventsOf(again.events, 'change-set')[0]?.changeSetName);
		expect(second).not.toBe(first);
		expect(actions(w)).toEqual(['CreateChangeSet', 'DeleteChangeSet', 'CreateChangeSet']);

		const approved = await runCli(['resume', runId, '--approve', '--confirm', 'sumologic', '--json'], {cwd: w.dir, env: w.env});
		expect(approved.code, approved.stderr).toBe(0);
		expect(w.aws.writes().at(-1)).toMatchObject({action: 'ExecuteChangeSet', params: {ChangeSetName: second}});
	});

	it('--approve and --until go with their commands only', async () => {
		const w = await world();
		const approveOnRelease = await runCli([...w.releaseArgs, '--approve'], {cwd: w.dir, env: w.env});
		expect(approveOnRelease.code).toBe(2);
		expect(approveOnRelease.stderr).toContain('--approve goes with `convox-ami resume RUN_ID`');
		const unknownStop = await runCli([...w.releaseArgs, '--until', 'build'], {cwd: w.dir, env: w.env});
		expect(unknownStop.code).toBe(2);
		expect(unknownStop.stderr).toContain('--until preview');
		expect(w.aws.writes()).toEqual([]);
	});
});
