import {readdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import {convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow} from '@actions/workflow-parser';
import {describe, expect, it} from 'vitest';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const WORKFLOW = path.join(REPO, 'examples', 'github-actions', 'release.yml');
const IAM = path.join(REPO, 'examples', 'iam');

/** The SDK clients the code calls, by the IAM service prefix of their actions. */
const CLIENTS = {
	cloudformation: '@aws-sdk/client-cloudformation',
	ec2: '@aws-sdk/client-ec2',
	ssm: '@aws-sdk/client-ssm',
	iam: '@aws-sdk/client-iam',
	cloudwatch: '@aws-sdk/client-cloudwatch',
	secretsmanager: '@aws-sdk/client-secrets-manager',
	s3: '@aws-sdk/client-s3',
	sts: '@aws-sdk/client-sts',
	autoscaling: '@aws-sdk/client-auto-scaling',
} as const;

/** Where an S3 API call is authorized by another action than its name. */
const S3_ACTIONS: Record<string, string> = {HeadObject: 'GetObject', ListObjectsV2: 'ListBucket', HeadBucket: 'ListBucket'};
/** Calls no policy grants: every principal may ask who it is, and a web identity is assumed by the trust policy. */
const NEEDS_NO_PERMISSION = new Set(['sts:GetCallerIdentity', 'sts:AssumeRoleWithWebIdentity']);

async function sourceFiles(dir: string): Promise<string[]> {
	const entries = await readdir(dir, {recursive: true, withFileTypes: true});
	return entries
		.filter(entry => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.parentPath.includes(`${path.sep}rehearsal`))
		.map(entry => path.join(entry.parentPath, entry.name));
}

/** Every `new XCommand(`, `paginateX` and `waitUntilX` outside the rehearsal, as `prefix:Action` of the client that exports it. */
async function actionsTheCodeCalls(): Promise<Set<string>> {
	const modules = await Promise.all(
		Object.entries(CLIENTS).map(async ([prefix, name]) => [prefix, (await import(name)) as Record<string, unknown>] as const),
	);
	const actions = new Set<string>();
	for (const file of await sourceFiles(path.join(REPO, 'source'))) {
		const text = await readFile(file, 'utf8');
		const action = (prefix: string, operation: string) => `${prefix}:${prefix === 's3' ? (S3_ACTIONS[operation] ?? operation) : operation}`;
		for (const [, command] of text.matchAll(/new ([A-Z]\w+)Command\(/g)) {
			const owner = modules.find(([, exports]) => `${command}Command` in exports);
			expect(owner, `${command}Command in ${file} comes from a known client`).toBeDefined();
			actions.add(action(owner![0], command!));
		}
		for (const [, operation] of text.matchAll(/\bpaginate([A-Z]\w+)\b/g)) {
			const owner = modules.find(([, exports]) => `paginate${operation}` in exports);
			if (owner) actions.add(action(owner[0], operation!));
		}
		for (const [, waiter] of text.matchAll(/\bwaitUntil(Image)Available\b/g)) actions.add(`ec2:Describe${waiter}s`);
	}
	return actions;
}

interface Statement {
	Effect: 'Allow' | 'Deny';
	Action: string | string[];
	Resource: string | string[];
	Principal?: unknown;
}

async function policy(file: string): Promise<{Version: string; Statement: Statement[]}> {
	return JSON.parse(await readFile(path.join(IAM, file), 'utf8')) as {Version: string; Statement: Statement[]};
}

const allowed = (document: {Statement: Statement[]}) =>
	document.Statement.filter(statement => statement.Effect === 'Allow').flatMap(statement => [statement.Action].flat());

const grants = (patterns: string[], action: string) =>
	patterns.some(pattern => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(action));

describe('examples/github-actions/release.yml', () => {
	it("is a valid workflow by GitHub's own parser: OIDC, a preview job, an environment gating the apply job, one release per rack", async () => {
		const content = await readFile(WORKFLOW, 'utf8');
		const parsed = parseWorkflow({name: 'release.yml', content}, new NoOperationTraceWriter());
		expect(parsed.context.errors.getErrors().map(error => error.message)).toEqual([]);
		const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
		expect(template.errors ?? []).toEqual([]);
		const [preview, apply] = template.jobs;
		expect(template.jobs.map(job => job.id.toString())).toEqual(['preview', 'apply']);
		expect(apply?.needs?.map(need => need.toString())).toEqual(['preview']);
		expect(apply && 'environment' in apply ? apply.environment?.toString() : undefined).toBe("${{ format('convox-{0}', inputs.env) }}");
		expect(content).toMatch(/^concurrency:\n {2}group: convox-ami-\$\{\{ inputs\.env \}\}\n {2}cancel-in-progress: false$/m);
		expect(content).toMatch(/^permissions:\n {2}id-token: write/m);
		const runs = (job: typeof preview) =>
			job && 'steps' in job ? job.steps.flatMap(step => ('run' in step ? [step.run.toString()] : [])) : [];
		const uses = template.jobs.flatMap(job =>
			'steps' in job ? job.steps.flatMap(step => ('uses' in step ? [step.uses.toString()] : [])) : [],
		);
		expect(uses.filter(action => action.startsWith('aws-actions/configure-aws-credentials@'))).toHaveLength(2);
		expect(runs(preview).join('\n')).toMatch(
			/npx --yes "\$CONVOX_AMI" release --env "\$RACK_ENV" --state "\$CONVOX_AMI_STATE" --until preview/,
		);
		expect(runs(apply).join('\n')).toMatch(/npx --yes "\$CONVOX_AMI" resume "\$RUN_ID" --state "\$CONVOX_AMI_STATE" --approve/);
	});

	it('uses only flags the CLI declares (and --state, the S3 state backend of the contract)', async () => {
		const content = await readFile(WORKFLOW, 'utf8');
		const cli = await readFile(path.join(REPO, 'cli.tsx'), 'utf8');
		const declared = new Set([...cli.matchAll(/new Option\('(--[a-z-]+)/g)].map(match => match[1]!));
		const commands = content.split('\n').filter(line => line.includes('convox-ami ') && !line.trimStart().startsWith('#'));
		const used = new Set(commands.flatMap(line => [...line.matchAll(/(?<=\s)(--[a-z-]+)/g)].map(match => match[1]!)));
		used.delete('--yes');
		expect([...used].filter(flag => !declared.has(flag) && flag !== '--state')).toEqual([]);
		expect(declared.has('--yes')).toBe(true);
	});
});

describe('examples/iam', () => {
	it('every policy is valid JSON of the 2012-10-17 policy language', async () => {
		for (const file of await readdir(IAM)) {
			const document = await policy(file);
			expect(document.Version, file).toBe('2012-10-17');
			for (const statement of document.Statement) {
				expect(['Allow', 'Deny'], file).toContain(statement.Effect);
				for (const action of [statement.Action].flat()) expect(action, file).toMatch(/^[a-z0-9-]+:[A-Za-z*]+$/);
			}
		}
	});

	it('the release role and the state bucket allow every AWS call the code makes', async () => {
		const granted = [...allowed(await policy('release-role-policy.json')), ...allowed(await policy('state-bucket-policy.json'))];
		const called = [...(await actionsTheCodeCalls())].filter(action => !NEEDS_NO_PERMISSION.has(action));
		expect(called).toEqual(
			expect.arrayContaining(['cloudformation:ExecuteChangeSet', 'secretsmanager:GetSecretValue', 'ssm:GetParameter']),
		);
		expect(called.filter(action => !grants(granted, action))).toEqual([]);
	});

	it('the trust policy lets GitHub OIDC assume the role; the instance role may publish the metrics the checks read', async () => {
		const trust = await policy('release-role-trust-policy.json');
		expect(allowed(trust)).toEqual(['sts:AssumeRoleWithWebIdentity']);
		expect(allowed(await policy('instance-role-policy.json'))).toContain('cloudwatch:PutMetricData');
	});
});
