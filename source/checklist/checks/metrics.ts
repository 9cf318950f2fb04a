import {metricsOf, type MetricsConfig} from '../../config/observability';
import {checkInstanceRoleMetrics} from '../../services/instance-role';
import {cloudWatchMetricsAttempt} from '../../services/probes/cloudwatch-metrics';
import {listRackInstances} from '../../services/probes/instances';
import {DEFAULT_LIBRATO_API_URL, LIBRATO_END_OF_SERVICE, libratoAttempt, libratoMetricPage} from '../../services/probes/librato';
import {fail, type ProbeOutcome} from '../../services/probes/outcome';
import type {CheckBody, CheckDeclaration} from '../declaration';
import {evidenceSince, retried, type ChecklistSetup} from '../setup';
import {targetAmiId} from './instances';

const STANDALONE_METRICS_WINDOW_MS = 15 * 60_000;
const LIBRATO_METRIC = 'collectd.cpu.percent.user';

function cloudWatchTarget(metrics: Extract<MetricsConfig, {backend: 'cloudwatch'}>): string {
	return `CloudWatch \`${metrics.namespace}\`${metrics.metricName ? ` (${metrics.metricName})` : ''}`;
}

/** One look: which instances on the new AMI have published since they launched (the rack may still be replacing some). */
async function cloudWatchAttempt(
	setup: ChecklistSetup,
	metrics: Extract<MetricsConfig, {backend: 'cloudwatch'}>,
	signal: AbortSignal,
	progress: (detail: string) => void,
): Promise<ProbeOutcome> {
	const {ec2, cloudwatch} = await setup.services.aws();
	const amiId = targetAmiId(setup.targets);
	const instances = (await listRackInstances(ec2, setup.targets.stackName, signal)).filter(instance => instance.amiId === amiId);
	if (instances.length === 0) return fail(`no running instance of ${setup.targets.stackName} runs ${amiId} yet`, true);
	const attempt = await cloudWatchMetricsAttempt({
		cloudwatch,
		namespace: metrics.namespace,
		...(metrics.metricName ? {metricName: metrics.metricName} : {}),
		instances,
		signal,
	});
	if (attempt.progress) progress(attempt.progress);
	return attempt.outcome;
}

function libratoBody(setup: ChecklistSetup, source: string | undefined): CheckBody {
	const email = setup.secrets.get('LIBRATO_EMAIL');
	const token = setup.secrets.get('LIBRATO_TOKEN');
	if (!email || !token) {
		const from = source ? ` from ${source}` : '';
		return {
			kind: 'manual',
			question: `Does ${LIBRATO_METRIC}${from} show data since the update in Librato? (set LIBRATO_EMAIL and LIBRATO_TOKEN to check automatically)`,
			link: libratoMetricPage(source),
		};
	}
	return {
		kind: 'auto',
		probe(signal, progress) {
			const since = evidenceSince(setup, STANDALONE_METRICS_WINDOW_MS);
			const apiUrl = setup.services.environment.LIBRATO_API_URL || DEFAULT_LIBRATO_API_URL;
			return retried(setup, signal, progress, remaining =>
				libratoAttempt({apiUrl, email, token, ...(source ? {source} : {}), since, timeoutMs: remaining, signal}),
			);
		},
	};
}

export const metricsCheck: CheckDeclaration = {
	id: 'metrics',
	title: 'Instances publish metrics',
	passesWhen:
		'every instance on the new AMI has published a collectd metric to CloudWatch since it launched (Librato, legacy: measurements newer than the update)',
	runs: 'auto; with the legacy Librato backend, auto when LIBRATO_EMAIL and LIBRATO_TOKEN are known, else manual',
	reads: ['metrics', 'librato.source (legacy)'],
	secrets: ['LIBRATO_EMAIL', 'LIBRATO_TOKEN'],
	needsCustomAmi: {installs: 'collectd'},
	planFor(account, secrets) {
		const metrics = metricsOf(account);
		if (metrics.backend === 'cloudwatch')
			return {
				runs: 'auto',
				passesWhen: `every instance on the new AMI has published to ${cloudWatchTarget(metrics)} since it launched (GetMetricData by InstanceId; the instance role needs cloudwatch:PutMetricData)`,
			};
		const known = secrets.known('LIBRATO_EMAIL') && secrets.known('LIBRATO_TOKEN');
		return {
			runs: known ? 'auto (Librato, legacy)' : 'manual (set LIBRATO_EMAIL and LIBRATO_TOKEN for auto)',
			passesWhen: `${LIBRATO_METRIC} for source \`${metrics.source ?? '(not configured)'}\` has measurements newer than the update. ${LIBRATO_END_OF_SERVICE}`,
		};
	},
	body(setup) {
		const metrics = metricsOf(setup.account);
		if (metrics.backend === 'librato') return libratoBody(setup, metrics.source);
		return {
			kind: 'auto',
			probe: (signal, progress) => retried(setup, signal, progress, () => cloudWatchAttempt(setup, metrics, signal, progress)),
		};
	},
};

/** Whether the rack's instance role may publish metrics, as a notice: before the build and in `plan`. */
export async function instanceRoleNotice(
	aws: Parameters<typeof checkInstanceRoleMetrics>[0],
	stackName: string,
	signal?: AbortSignal,
): Promise<{level: 'info' | 'warn'; message: string}> {
	const check = await checkInstanceRoleMetrics(aws, stackName, signal);
	if (check.status === 'allowed')
		return {level: 'info', message: `Instance role ${check.role} may publish metrics (cloudwatch:PutMetricData).`};
	const consequence = 'without it the CloudWatch agent publishes nothing and the metrics check fails';
	return {
		level: 'warn',
		message: `${check.detail} Add to the rack's instance role: ${check.statement} (${consequence}).`,
	};
}
