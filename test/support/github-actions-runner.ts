import {execFile} from 'node:child_process';
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {NoOperationTraceWriter, parseWorkflow} from '@actions/workflow-parser';

/** A value of the workflow file: a literal, or a `${{ }}` expression as GitHub's parser left it. */
type Value = string | number | boolean | null | {expr: string};
type Plain = Value | Plain[] | {[key: string]: Plain};

interface Step {
	id?: string;
	name?: string;
	uses?: string;
	with: Record<string, Value>;
	env: Record<string, Value>;
	run?: Value;
}

interface Job {
	id: string;
	env: Record<string, Value>;
	outputs: Record<string, Value>;
	steps: Step[];
}

export interface Workflow {
	env: Record<string, Value>;
	/** `on.workflow_dispatch.inputs`: each input's default. */
	inputDefaults: Record<string, string>;
	jobs: Job[];
}

/** The tokens of GitHub's parser, serialized: 1 a sequence, 2 a mapping, 3 an expression; anything else a literal. */
function plain(token: unknown): Plain {
	if (token === null || typeof token !== 'object') return token as Plain;
	const serialized = token as {type: number; seq?: unknown[]; map?: Array<{Key: string; Value: unknown}>; expr?: string};
	if (serialized.type === 1) return serialized.seq!.map(plain);
	if (serialized.type === 2) return Object.fromEntries(serialized.map!.map(pair => [pair.Key, plain(pair.Value)]));
	if (serialized.type === 3) return {expr: serialized.expr!};
	throw new Error(`A token of type ${serialized.type} in the workflow: the test's runner does not know it.`);
}

const mapping = (value: Plain | undefined) => (value ?? {}) as Record<string, Value>;

/** Reads the workflow with GitHub's own parser; its errors fail the reading. */
export async function readWorkflow(file: string): Promise<Workflow> {
	const parsed = parseWorkflow({name: path.basename(file), content: await readFile(file, 'utf8')}, new NoOperationTraceWriter());
	const errors = parsed.context.errors.getErrors();
	if (errors.length > 0 || !parsed.value) throw new Error(`${file}: ${errors.map(error => error.message).join('; ')}`);
	const root = plain(JSON.parse(JSON.stringify(parsed.value))) as Record<string, Plain>;
	const on = root.on as {workflow_dispatch?: {inputs?: Record<string, {default?: Value}>}};
	const inputs = on.workflow_dispatch?.inputs ?? {};
	return {
		env: mapping(root.env),
		inputDefaults: Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, String(input.default ?? '')])),
		jobs: Object.entries(root.jobs as Record<string, Record<string, Plain>>).map(([id, job]) => ({
			id,
			env: mapping(job.env),
			outputs: mapping(job.outputs),
			steps: (job.steps as Array<Record<string, Plain>>).map(step => ({
				...(step.id === undefined ? {} : {id: String(step.id)}),
				...(step.name === undefined ? {} : {name: String(step.name)}),
				...(step.uses === undefined ? {} : {uses: String(step.uses)}),
				...(step.run === undefined ? {} : {run: step.run as Value}),
				with: mapping(step.with),
				env: mapping(step.env),
			})),
		})),
	};
}

type Contexts = Record<string, unknown>;

function lookup(reference: string, contexts: Contexts): string {
	if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+$/.test(reference))
		throw new Error(`The test's runner evaluates property references and format() only, not \`${reference}\`.`);
	let value: unknown = contexts;
	for (const part of reference.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
	// As GitHub: a missing property is the empty string.
	return value === undefined || value === null ? '' : String(value);
}

function evaluate(value: Value | undefined, contexts: Contexts): string {
	if (value === undefined || value === null) return '';
	if (typeof value !== 'object') return String(value);
	const expression = value.expr.trim();
	const format = /^format\('((?:[^']|'')*)'((?:\s*,\s*[\w.-]+)*)\)$/.exec(expression);
	if (!format) return lookup(expression, contexts);
	const args = format[2]!
		.split(',')
		.slice(1)
		.map(argument => lookup(argument.trim(), contexts));
	return format[1]!.replace(/''/g, "'").replace(/\{(\d+)\}/g, (_, index: string) => args[Number(index)] ?? '');
}

const evaluateAll = (values: Record<string, Value>, contexts: Contexts) =>
	Object.fromEntries(Object.entries(values).map(([name, value]) => [name, evaluate(value, contexts)]));

/** A `$GITHUB_OUTPUT` / `$GITHUB_ENV` file: `name=value` lines and `name<<DELIMITER` blocks. */
async function commandFile(file: string): Promise<Record<string, string>> {
	const lines = (await readFile(file, 'utf8')).split('\n');
	const values: Record<string, string> = {};
	for (let index = 0; index < lines.length; index++) {
		const line = lines[index]!;
		const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
		if (heredoc) {
			const end = lines.indexOf(heredoc[2]!, index + 1);
			values[heredoc[1]!] = lines.slice(index + 1, end).join('\n');
			index = end;
		} else if (line.includes('=')) values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
	}
	return values;
}

/** One runner: its own workspace (the checkout), HOME and temp folder. */
export interface Machine {
	workspace: string;
	home: string;
	temp: string;
}

/** Stands in for a `uses:` action: given its evaluated `with:`, the variables it leaves in the job's environment. */
export type ActionStandIn = (inputs: Record<string, string>, machine: Machine) => Promise<Record<string, string>>;

export interface JobRun {
	machine: Machine;
	/** The runner's own environment (PATH, HOME, the loopback endpoints...). */
	env: NodeJS.ProcessEnv;
	inputs: Record<string, string>;
	secrets: Record<string, string>;
	vars: Record<string, string>;
	needs: Record<string, {outputs: Record<string, string>}>;
	/** By action name without its `@version`; a step using any other action fails the job. */
	actions: Record<string, ActionStandIn>;
}

export interface StepOutcome {
	name: string;
	code: number;
	stdout: string;
	stderr: string;
}

export interface JobOutcome {
	succeeded: boolean;
	outputs: Record<string, string>;
	steps: StepOutcome[];
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{code: number; stdout: string; stderr: string}> {
	return new Promise(resolve => {
		// GitHub runs a `run:` without `shell:` on Linux as `bash -e {0}`.
		execFile('bash', ['-e', script], {cwd, env, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
		});
	});
}

/** Runs one job's steps in order as a GitHub runner would, stopping at the first that fails. */
export async function runJob(workflow: Workflow, jobId: string, run: JobRun): Promise<JobOutcome> {
	const job = workflow.jobs.find(candidate => candidate.id === jobId);
	if (!job) throw new Error(`No job ${jobId} in the workflow.`);
	const {machine} = run;
	await Promise.all([machine.workspace, machine.home, machine.temp].map(dir => mkdir(dir, {recursive: true})));
	const base = {inputs: run.inputs, secrets: run.secrets, vars: run.vars, needs: run.needs};
	const workflowEnv = evaluateAll(workflow.env, base);
	let env: Record<string, string> = {...workflowEnv, ...evaluateAll(job.env, {...base, env: workflowEnv})};
	const steps: Record<string, {outputs: Record<string, string>}> = {};
	const outcomes: StepOutcome[] = [];
	for (const [index, step] of job.steps.entries()) {
		const contexts = {...base, env, steps};
		const name = step.name ?? step.uses ?? `step ${index + 1}`;
		if (step.uses !== undefined) {
			const action = run.actions[step.uses.split('@')[0]!];
			if (!action) throw new Error(`The test has no stand-in for the action ${step.uses}.`);
			env = {...env, ...(await action(evaluateAll(step.with, contexts), machine))};
			continue;
		}
		const script = path.join(machine.temp, `${job.id}-${index}.sh`);
		const githubOutput = path.join(machine.temp, `${job.id}-${index}.output`);
		const githubEnv = path.join(machine.temp, `${job.id}-${index}.env`);
		await Promise.all([writeFile(script, evaluate(step.run, contexts)), writeFile(githubOutput, ''), writeFile(githubEnv, '')]);
		const result = await bash(script, machine.workspace, {
			...run.env,
			...env,
			...evaluateAll(step.env, contexts),
			HOME: machine.home,
			RUNNER_TEMP: machine.temp,
			GITHUB_WORKSPACE: machine.workspace,
			GITHUB_OUTPUT: githubOutput,
			GITHUB_ENV: githubEnv,
			GITHUB_ACTIONS: 'true',
			CI: 'true',
		});
		outcomes.push({name, ...result});
		if (step.id !== undefined) steps[step.id] = {outputs: await commandFile(githubOutput)};
		env = {...env, ...(await commandFile(githubEnv))};
		if (result.code !== 0) return {succeeded: false, outputs: {}, steps: outcomes};
	}
	return {succeeded: true, outputs: evaluateAll(job.outputs, {...base, env, steps}), steps: outcomes};
}
