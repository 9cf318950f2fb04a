import {execFile, spawn} from 'node:child_process';
import {readdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {createCliWorld, startRackEndpoints, type CliResult, type CliWorld, type CliWorldOptions} from './cli-env';
import {DUMMY_BUILD_SECRETS} from './dummy-secrets';
import {CLI} from './pty';
import {installRehearsalTools} from './tool-scripts';

export interface LiveWorld extends CliWorld {
	templateDir: string;
	binDir: string;
	/**
	 * Writes a config (default file: the world's) of one dev account wired to the replayed Packer,
	 * the stand-in convox and a hello-world on loopback; returns its path.
	 */
	liveConfig(account?: Record<string, unknown>, extra?: Record<string, unknown>, file?: string): Promise<string>;
}

/**
 * A CLI world for runs past resolve-version: the rehearsal's Packer replay and convox stand-in as
 * the config's binaries, a copy of packer/ as the template, a hello-world that answers.
 */
export async function createLiveWorld(options: CliWorldOptions = {}): Promise<LiveWorld> {
	const world = await createCliWorld(options);
	const {binDir, templateDir} = await installRehearsalTools(world.dir);
	const rack = await startRackEndpoints({source: 'aws.dev.i-0badinput'});
	return {
		...world,
		env: {
			...world.env,
			...DUMMY_BUILD_SECRETS,
			LIBRATO_API_URL: rack.librato.url,
			CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '0.5',
			CONVOX_AMI_PROBE_TIMEOUT: '5',
		},
		templateDir,
		binDir,
		async liveConfig(account = {}, extra = {}, file = world.configPath) {
			const config = {
				region: 'us-east-1',
				template: 'packer/packer.json',
				binaries: {packer: 'bin/packer', convox: 'bin/convox'},
				accounts: {
					dev: {
						profile: 'convox-dev',
						accountId: '111111111111',
						stackName: 'convox-dev',
						rack: 'dev',
						helloWorldUrl: `${rack.helloWorld.url}/`,
						...account,
					},
				},
				...extra,
			};
			const target = path.resolve(world.dir, file);
			await writeFile(target, JSON.stringify(config, null, 2));
			return target;
		},
		async close() {
			await Promise.all([rack.close(), world.close()]);
		},
	};
}

function parse(code: number, stdout: string, stderr: string): CliResult {
	const events = stdout
		.split('\n')
		.filter(line => line.startsWith('{'))
		.map(line => JSON.parse(line) as Record<string, unknown>);
	return {code, stdout, stderr, events};
}

/** Runs the built CLI under `prlimit --fsize=BYTES`: every file it writes is capped (writes past it fail with EFBIG). */
export function runCliWithFileSizeLimit(
	bytes: number,
	args: string[],
	{cwd, env}: {cwd: string; env: NodeJS.ProcessEnv},
): Promise<CliResult> {
	return new Promise(resolve => {
		execFile(
			'prlimit',
			[`--fsize=${bytes}`, process.execPath, CLI, ...args],
			{cwd, env, maxBuffer: 64 * 1024 * 1024},
			(error, stdout, stderr) => {
				resolve(parse(error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr));
			},
		);
	});
}

export interface Background {
	pid: number;
	output(): string;
	result: Promise<CliResult>;
}

/** Starts the built CLI and leaves it running; `result` settles when it ends. */
export function startCli(args: string[], {cwd, env}: {cwd: string; env: NodeJS.ProcessEnv}): Background {
	const child = spawn(process.execPath, [CLI, ...args], {cwd, env, stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => (stdout += String(chunk)));
	child.stderr.on('data', chunk => (stderr += String(chunk)));
	return {
		pid: child.pid!,
		output: () => stdout + stderr,
		result: new Promise(resolve => child.on('close', code => resolve(parse(code ?? 1, stdout, stderr)))),
	};
}

/** Every journal of a state dir: file name → text. */
export async function journals(stateDir: string): Promise<Record<string, string>> {
	const dir = path.join(stateDir, 'runs');
	const names = await readdir(dir).catch(() => [] as string[]);
	const entries = await Promise.all(
		names.filter(name => /^[\w-]+\.json$/.test(name)).map(async name => [name, await readFile(path.join(dir, name), 'utf8')] as const),
	);
	return Object.fromEntries(entries);
}

export async function onlyRun(stateDir: string): Promise<{
	id: string;
	status: string;
	steps: Array<{id: string; status: string; attempts: number; error?: string; outputs: Record<string, unknown>}>;
}> {
	const all = Object.values(await journals(stateDir));
	if (all.length !== 1) throw new Error(`expected one journal in ${stateDir}, found ${all.length}`);
	return JSON.parse(all[0]!);
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise(resolve => setTimeout(resolve, 50));
	}
}
