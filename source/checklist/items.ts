import type {AccountConfig, CustomCheck} from '../config/schema';
import {describeStack} from '../services/cloudformation/stack';
import {runConvox} from '../services/probes/convox-cli';
import {probeCommand} from '../services/probes/command';
import {parseEndpoints} from '../services/probes/hello-world';
import {probeHttp} from '../services/probes/http';
import {judgeInstances, listRackInstances} from '../services/probes/instances';
import {DEFAULT_LIBRATO_API_URL, libratoAttempt, libratoMetricPage} from '../services/probes/librato';
import {fail} from '../services/probes/outcome';
import {judgeConvoxRack, judgeRack, judgeStack, type RackTarget} from '../services/probes/rack';
import {retryUntil, type RetryOptions} from '../services/probes/retry';
import type {Services} from '../services/services';
import type {ChecklistItem} from './item';

export interface VerifyTargets extends RackTarget {
	stackName: string;
	/** When the stack update completed; absent for a standalone checklist. */
	updatedAt?: Date;
	/** What instances run when the stack's Ami is empty: the version's stock AMI for the region. */
	stockAmi?: string;
}

export interface ChecklistSetup {
	account: AccountConfig;
	services: Services;
	/** Working folder for custom command checks (the config's folder). */
	configDir: string;
	targets: VerifyTargets;
	/** How long a check keeps retrying before it fails. */
	probeTimeoutMs: number;
}

const DEFAULT_PROBE_TIMEOUT_SECONDS = 300;
const STANDALONE_METRICS_WINDOW_MS = 15 * 60_000;

/** `CONVOX_AMI_PROBE_TIMEOUT` (seconds) wins over the account's `probeTimeout`; 300 s otherwise. */
export function probeTimeoutMs(env: NodeJS.ProcessEnv, account: AccountConfig): number {
	const fromEnv = Number(env.CONVOX_AMI_PROBE_TIMEOUT);
	const seconds =
		env.CONVOX_AMI_PROBE_TIMEOUT && Number.isFinite(fromEnv) && fromEnv > 0
			? fromEnv
			: (account.probeTimeout ?? DEFAULT_PROBE_TIMEOUT_SECONDS);
	return seconds * 1000;
}

/** The default checklist (rack, instances, hello-world, librato, sumologic), then the account's own checks. */
export function checklistItems(setup: ChecklistSetup): ChecklistItem[] {
	return [
		rackItem(setup),
		instancesItem(setup),
		helloWorldItem(setup),
		libratoItem(setup),
		sumologicItem(setup),
		...setup.account.checks.map(check => customItem(setup, check)),
	];
}

function retryOptions(setup: ChecklistSetup, signal: AbortSignal, onRetry: (detail: string) => void): RetryOptions {
	const timeoutMs = setup.probeTimeoutMs;
	return {timeoutMs, initialDelayMs: Math.min(1000, Math.max(50, timeoutMs / 10)), maxDelayMs: 15_000, signal, onRetry};
}

function rackItem(setup: ChecklistSetup): ChecklistItem {
	const {services, account, targets} = setup;
	return {
		id: 'rack',
		title: 'Rack runs the released version',
		kind: 'auto',
		required: true,
		probe: (signal, progress) =>
			retryUntil(
				async () => {
					const {cloudformation} = await services.aws();
					const [convox, stack] = await Promise.all([
						runConvox(services.binaries.convox, ['rack'], {rack: account.rack, env: services.env, signal}),
						describeStack(cloudformation, targets.stackName, signal).then(
							snapshot => judgeStack(snapshot, targets),
							(error: Error) => fail(`DescribeStacks ${targets.stackName}: ${error.message}`),
						),
					]);
					return judgeRack(judgeConvoxRack(convox, targets.convoxVersion), stack);
				},
				retryOptions(setup, signal, progress),
			),
	};
}

function instancesItem(setup: ChecklistSetup): ChecklistItem {
	const {services, targets} = setup;
	return {
		id: 'instances',
		title: 'Instances run the new AMI',
		kind: 'auto',
		required: true,
		async probe(signal) {
			const {ec2} = await services.aws();
			const instances = await listRackInstances(ec2, targets.stackName, signal);
			return judgeInstances(instances, targets.stackName, targets.ami || targets.stockAmi || '');
		},
	};
}

function helloWorldItem(setup: ChecklistSetup): ChecklistItem {
	const {services, account} = setup;
	return {
		id: 'hello-world',
		title: 'hello-world answers through its load balancer',
		kind: 'auto',
		required: true,
		async probe(signal, progress) {
			let url = account.helloWorldUrl;
			if (!url) {
				const info = await runConvox(services.binaries.convox, ['apps', 'info', 'hello-world'], {
					rack: account.rack,
					env: services.env,
					signal,
				});
				if (info.exitCode !== 0) return fail(`no helloWorldUrl in the config, and ${info.problem}`);
				url = parseEndpoints(info.stdout)[0];
				if (!url) return fail('no helloWorldUrl in the config, and `convox apps info hello-world` shows no endpoint');
				progress(`found ${url} with convox apps info`);
			}
			return probeHttp(url, {}, retryOptions(setup, signal, progress));
		},
	};
}

function libratoItem(setup: ChecklistSetup): ChecklistItem {
	const {services, account, targets} = setup;
	const source = account.librato?.source;
	const page = libratoMetricPage(source);
	const email = services.env.LIBRATO_EMAIL;
	const token = services.env.LIBRATO_TOKEN;
	const base = {id: 'librato', title: 'Metrics reach Librato', required: true, needsCustomAmi: {installs: 'collectd'}};
	if (!email || !token) {
		const from = source ? ` from ${source}` : '';
		return {
			...base,
			kind: 'manual',
			question: `Does collectd.cpu.percent.user${from} show data since the update in Librato? (set LIBRATO_EMAIL and LIBRATO_TOKEN to check automatically)`,
			link: page,
		};
	}
	return {
		...base,
		kind: 'auto',
		probe(signal, progress) {
			const since = targets.updatedAt ?? new Date(Date.now() - STANDALONE_METRICS_WINDOW_MS);
			const apiUrl = services.env.LIBRATO_API_URL || DEFAULT_LIBRATO_API_URL;
			return retryUntil(
				remaining => libratoAttempt({apiUrl, email, token, source, since, timeoutMs: remaining, signal}),
				retryOptions(setup, signal, progress),
			);
		},
	};
}

function sumologicItem(setup: ChecklistSetup): ChecklistItem {
	const link = setup.account.sumologic?.searchUrl;
	return {
		id: 'sumologic',
		title: 'Logs reach SumoLogic',
		kind: 'manual',
		required: true,
		needsCustomAmi: {installs: 'logspout'},
		question: link
			? 'Do HTTP logs from this environment show up in the SumoLogic search since the update?'
			: 'Do HTTP logs from this environment show up in SumoLogic since the update? (no sumologic.searchUrl in the config)',
		link,
	};
}

function customItem(setup: ChecklistSetup, check: CustomCheck): ChecklistItem {
	const base = {id: check.id, title: check.title, required: check.required};
	switch (check.kind) {
		case 'http':
			return {
				...base,
				kind: 'auto',
				probe: (signal, progress) =>
					probeHttp(check.url, {expectStatus: check.expectStatus, expectBody: check.expectBody}, retryOptions(setup, signal, progress)),
			};
		case 'command':
			return {
				...base,
				kind: 'auto',
				probe: signal =>
					probeCommand(check.command, check.expectExitCode, {
						cwd: setup.configDir,
						env: setup.services.env,
						timeoutMs: setup.probeTimeoutMs,
						signal,
					}),
			};
		case 'manual':
			return {...base, kind: 'manual', question: check.question, link: check.link};
	}
}
