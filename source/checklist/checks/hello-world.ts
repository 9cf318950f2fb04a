import {runConvox} from '../../services/probes/convox-cli';
import {parseEndpoints} from '../../services/probes/hello-world';
import {probeHttp} from '../../services/probes/http';
import {fail, type ProbeOutcome} from '../../services/probes/outcome';
import type {CheckDeclaration} from '../declaration';
import {retryOptions, type ChecklistSetup} from '../setup';

/** The hello-world app's URL: the config's `helloWorldUrl`, else the first endpoint `convox apps info hello-world` shows. */
export async function helloWorldUrl(
	setup: ChecklistSetup,
	signal: AbortSignal,
	progress: (detail: string) => void,
): Promise<string | ProbeOutcome> {
	const {services, account} = setup;
	if (account.helloWorldUrl) return account.helloWorldUrl;
	const info = await runConvox(services.binaries.convox, ['apps', 'info', 'hello-world'], {
		rack: account.rack,
		environment: services.environment,
		signal,
	});
	if (info.exitCode !== 0) return fail(`no helloWorldUrl in the config, and ${info.problem}`);
	const url = parseEndpoints(info.stdout)[0];
	if (!url) return fail('no helloWorldUrl in the config, and `convox apps info hello-world` shows no endpoint');
	progress(`found ${url} with convox apps info`);
	return url;
}

export const helloWorldCheck: CheckDeclaration = {
	id: 'hello-world',
	title: 'hello-world answers through its load balancer',
	passesWhen: 'the hello-world app answers 2xx through its load balancer (retried while instances register)',
	runs: 'auto',
	reads: ['helloWorldUrl', 'rack'],
	secrets: [],
	planFor: account => ({
		runs: 'auto',
		passesWhen: `${account.helloWorldUrl ? `\`${account.helloWorldUrl}\`` : 'the endpoint of `convox apps info hello-world`'} answers 2xx (retried while instances register)`,
	}),
	body: setup => ({
		kind: 'auto',
		async probe(signal, progress) {
			const url = await helloWorldUrl(setup, signal, progress);
			if (typeof url !== 'string') return url;
			return probeHttp(url, {}, retryOptions(setup, signal, progress));
		},
	}),
};
