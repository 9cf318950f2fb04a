import {logsOf} from '../../config/observability';
import type {CheckDeclaration} from '../declaration';

export const logsCheck: CheckDeclaration = {
	id: 'logs',
	title: 'Logs reach SumoLogic',
	passesWhen: 'HTTP logs of this environment arrived in SumoLogic since the update',
	runs: 'manual',
	reads: ['logs', 'sumologic.searchUrl (legacy)'],
	secrets: [],
	needsCustomAmi: {installs: 'logspout'},
	planFor(account) {
		const {searchUrl} = logsOf(account);
		return {runs: 'manual', passesWhen: `HTTP logs arrived in SumoLogic${searchUrl ? ` (${searchUrl})` : ''}`};
	},
	body(setup) {
		const link = logsOf(setup.account).searchUrl;
		return {
			kind: 'manual',
			question: link
				? 'Do HTTP logs from this environment show up in the SumoLogic search since the update?'
				: 'Do HTTP logs from this environment show up in SumoLogic since the update? (no logs.searchUrl in the config)',
			...(link ? {link} : {}),
		};
	},
};
