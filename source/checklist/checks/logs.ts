import {logsOf, type LogsConfig} from '../../config/observability';
import {probeSumoLogicLogs} from '../../services/probes/sumologic-logs';
import {newMarker} from '../../services/probes/sumologic-marker';
import type {RunSecrets} from '../../core/secrets';
import type {CheckBody, CheckDeclaration} from '../declaration';
import {retryOptions, type ChecklistSetup} from '../setup';
import {helloWorldUrl} from './hello-world';

type Searchable = Required<Pick<LogsConfig, 'api' | 'query'>>;

/** What is missing for SumoLogic's Search Job API, or nothing when the check can search by itself. */
function missingForSearch(logs: LogsConfig, known: (envName: 'SUMOLOGIC_ACCESS_ID' | 'SUMOLOGIC_ACCESS_KEY') => boolean): string[] {
	return [
		logs.api ? '' : 'logs.api',
		logs.query ? '' : 'logs.query',
		known('SUMOLOGIC_ACCESS_ID') ? '' : 'SUMOLOGIC_ACCESS_ID',
		known('SUMOLOGIC_ACCESS_KEY') ? '' : 'SUMOLOGIC_ACCESS_KEY',
	].filter(Boolean);
}

function searchBody(setup: ChecklistSetup, logs: Searchable, secrets: RunSecrets): CheckBody {
	return {
		kind: 'auto',
		async probe(signal, progress) {
			const url = await helloWorldUrl(setup, signal, progress);
			if (typeof url !== 'string') return url;
			return probeSumoLogicLogs(
				{
					api: logs.api,
					accessId: secrets.get('SUMOLOGIC_ACCESS_ID') ?? '',
					accessKey: secrets.get('SUMOLOGIC_ACCESS_KEY') ?? '',
					scope: logs.query,
					helloWorldUrl: url,
					marker: newMarker(setup.runId),
					onProgress: progress,
				},
				retryOptions(setup, signal, progress),
			);
		},
	};
}

function manualBody(logs: LogsConfig, missing: string[]): CheckBody {
	const why = `set ${missing.join(', ')} to check automatically`;
	return {
		kind: 'manual',
		question: logs.searchUrl
			? `Do HTTP logs from this environment show up in the SumoLogic search since the update? (${why})`
			: `Do HTTP logs from this environment show up in SumoLogic since the update? (no logs.searchUrl in the config; ${why})`,
		...(logs.searchUrl ? {link: logs.searchUrl} : {}),
	};
}

export const logsCheck: CheckDeclaration = {
	id: 'logs',
	title: 'Logs reach SumoLogic',
	passesWhen:
		"a request with a unique marker, sent through hello-world's load balancer, is found in SumoLogic by its Search Job API (manual: HTTP logs show up in the search page)",
	runs: 'auto with logs.api, logs.query, SUMOLOGIC_ACCESS_ID and SUMOLOGIC_ACCESS_KEY; else manual',
	reads: ['logs', 'sumologic.searchUrl (legacy)', 'helloWorldUrl'],
	secrets: ['SUMOLOGIC_ACCESS_ID', 'SUMOLOGIC_ACCESS_KEY'],
	needsCustomAmi: {installs: 'logspout'},
	planFor(account, secrets) {
		const logs = logsOf(account);
		const missing = missingForSearch(logs, secrets.known);
		if (missing.length === 0)
			return {
				runs: 'auto',
				passesWhen: `a request carrying a unique marker, sent through hello-world, is found by a search job on ${logs.api} in \`${logs.query}\``,
			};
		return {
			runs: `manual (set ${missing.join(', ')} for auto)`,
			passesWhen: `HTTP logs arrived in SumoLogic${logs.searchUrl ? ` (${logs.searchUrl})` : ''}`,
		};
	},
	body(setup) {
		const logs = logsOf(setup.account);
		const missing = missingForSearch(logs, envName => Boolean(setup.secrets.get(envName)));
		if (missing.length > 0 || !logs.api || !logs.query) return manualBody(logs, missing);
		return searchBody(setup, {api: logs.api, query: logs.query}, setup.secrets);
	},
};
