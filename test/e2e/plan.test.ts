import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {createCliWorld, runCli, type CliWorld} from '../support/cli-env';

let world: CliWorld | undefined;
afterEach(async () => world?.close());

describe('convox-ami plan', () => {
	it('prints the procedure as Markdown with the version and base AMI resolved and the instance role checked where it can be, and writes nothing', async () => {
		world = await createCliWorld({
			config: {
				accounts: {
					prod: {accountId: '222222222222', stackName: 'convox-prod', production: true, rack: 'prod'},
					dev: {
						accountId: '111111111111',
						stackName: 'convox-dev',
						checks: [{kind: 'manual', id: 'grafana', title: 'Grafana dashboards are green', question: 'Green?'}],
					},
				},
			},
		});
		const result = await runCli(['plan'], {cwd: world.dir, env: world.env});
		expect(result.code).toBe(0);
		const markdown = result.stdout;
		expect(markdown).toMatch(/^# convox-ami release procedure/);
		expect(markdown.indexOf('## dev')).toBeLessThan(markdown.indexOf('## prod (PRODUCTION)'));
		expect(markdown).toContain('Each account is its own run; dev → prod, the same Convox version and base AMI in each.');
		expect(markdown).toContain('Convox **20160916121812**');
		expect(markdown).toContain('base AMI **ami-6bb2d67c**');
		expect(markdown).toContain('type the stack name to confirm');
		expect(markdown).toContain('| grafana | manual | Grafana dashboards are green |');
		expect(world.aws.writes()).toEqual([]);
		expect(world.aws.calls.every(call => /^(Describe|Get|Simulate)/.test(call.action))).toBe(true);
		expect(markdown, 'plan never fails for the instance role check').toContain(
			'Instance role: not checked now (Could not load credentials from any providers); it needs cloudwatch:PutMetricData.',
		);
		expect(markdown).toContain('| metrics | auto | every instance on the new AMI has published to CloudWatch `CWAgent` since it launched');
	});

	it("names the account's var files in the order the build passes them", async () => {
		world = await createCliWorld({
			config: {
				varFiles: ['vars/all.json'],
				accounts: {dev: {accountId: '111111111111', stackName: 'convox-dev', varFiles: ['vars/dev.pkrvars.hcl']}},
			},
		});
		const result = await runCli(['plan', '--env', 'dev'], {cwd: world.dir, env: world.env});
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toContain(
			`Var files, passed in this order before convox-ami's own variables: \`${path.join(world.dir, 'vars', 'all.json')}\`, \`${path.join(world.dir, 'vars', 'dev.pkrvars.hcl')}\`;`,
		);
	});

	it('says what it could not resolve instead of failing', async () => {
		world = await createCliWorld({releases: {failures: [{kind: 'not-found'}]}});
		const result = await runCli(['plan', '--env', 'dev'], {cwd: world.dir, env: world.env});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/not resolved now: the release files could not be read \(Cannot fetch .*HTTP 404/);
	});
});
