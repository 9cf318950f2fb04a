import type {ServerResponse} from 'node:http';
import currentFormation from './data/formation-modern.json';
import currentVersions from './data/versions-modern.json';
import formation from './data/formation.json';
import versions from './data/versions.json';
import {listenOnLoopback} from './loopback-server';

export type ReleasesFailureKind = 'error' | 'not-found' | 'malformed' | 'hang';

export interface ReleasesFailure {
	kind: ReleasesFailureKind;
	/** Which requests fail: an exact path ('/versions.json') or a pattern; default every request. */
	path?: string | RegExp;
	/** How many matching requests fail before the path answers normally; default all of them. */
	times?: number;
	/** Status of an 'error' answer; default 500. */
	status?: number;
}

export interface ReleasesStandInOptions {
	/** Served as /versions.json (a string is served verbatim); default the bundled sample. */
	versions?: unknown;
	/** Version → its formation.json (a string is served verbatim; undefined: 404). */
	formations?: Record<string, unknown>;
	/** Version → its rack.json, the name newer releases publish the template under too. */
	rackJson?: Record<string, unknown>;
	/**
	 * The template of every version in `versions` that has no entry in `formations`, its `Version`
	 * default set to that version; default the bundled rack template; false serves 404 instead.
	 */
	defaultFormation?: unknown;
	latencyMs?: number;
	failures?: ReleasesFailure[];
	port?: number;
}

export interface ReleasesStandIn {
	/** The CONVOX_RELEASES_URL base (no trailing slash). */
	url: string;
	port: number;
	requests: Array<{path: string; status: number | 'hung'}>;
	/** Failures still to come; push more at any time. */
	failures: ReleasesFailure[];
	close(): Promise<void>;
}

const noSuchKey = (path: string) =>
	`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>release${path}</Key></Error>`;

function versionIds(list: unknown): string[] {
	return Array.isArray(list) ? list.map(entry => String((entry as {version?: unknown})?.version)) : [];
}

function withVersionDefault(template: unknown, version: string): unknown {
	const parameters = (template as {Parameters?: Record<string, object>}).Parameters;
	if (!parameters?.Version) {
		return template;
	}

	return {...(template as object), Parameters: {...parameters, Version: {...parameters.Version, Default: version}}};
}

/** From this release on, Convox's template defaults to Amazon Linux 2023 (before it: Amazon Linux 2). */
const AL2023_FROM = '20260708102410';

/** The trimmed current rack template as release V publishes it: its Version default, and AL2023 defaults from 20260708102410. */
function currentTemplateOf(version: string): unknown {
	const template = withVersionDefault(currentFormation, version) as typeof currentFormation;
	if (version < AL2023_FROM) return template;
	const al2023 = (path: string) => path.replace('/amazon-linux-2/', '/amazon-linux-2023/');
	const {DefaultAmi, DefaultAmiArm} = template.Parameters;
	return {
		...template,
		Parameters: {
			...template.Parameters,
			DefaultAmi: {...DefaultAmi, Default: al2023(DefaultAmi.Default)},
			DefaultAmiArm: {...DefaultAmiArm, Default: al2023(DefaultAmiArm.Default)},
		},
	};
}

/**
 * The bundled rack template for `<base>/<V>/formation.json` (or `rack.json`) when V is a bundled
 * version, of the 2016 list or the current one; for the AWS stand-in's `resolveTemplate`, so a
 * journaled TemplateURL still resolves after a restart.
 */
export function bundledTemplateFor(url: string): unknown {
	const version = /\/([^/]+)\/(?:formation|rack)\.json$/.exec(new URL(url, 'http://stand-in').pathname)?.[1];
	if (version === undefined) return undefined;
	if (versionIds(versions).includes(version)) return withVersionDefault(formation, version);
	return versionIds(currentVersions).includes(version) ? currentTemplateOf(version) : undefined;
}

/** The release files of current Convox (versions of 2022-2026, the trimmed current template as formation.json and rack.json). */
export function startCurrentReleasesStandIn(options: Pick<ReleasesStandInOptions, 'port' | 'latencyMs'> = {}): Promise<ReleasesStandIn> {
	const templates = Object.fromEntries(versionIds(currentVersions).map(version => [version, currentTemplateOf(version)]));
	return startReleasesStandIn({...options, versions: currentVersions, formations: templates, rackJson: templates});
}

/** Convox's release files (`versions.json`, `<V>/formation.json`, `<V>/rack.json`) over HTTP on 127.0.0.1, with injectable failures. */
export async function startReleasesStandIn(options: ReleasesStandInOptions = {}): Promise<ReleasesStandIn> {
	const served = options.versions ?? versions;
	const known = new Set(versionIds(typeof served === 'string' ? safeParse(served) : served));
	const fallback = options.defaultFormation ?? formation;
	const failures = (options.failures ?? []).map(failure => ({...failure}));
	const requests: ReleasesStandIn['requests'] = [];

	function document(path: string): unknown {
		if (path === '/versions.json') {
			return served;
		}

		const rack = /^\/([^/]+)\/rack\.json$/.exec(path)?.[1];
		if (rack !== undefined) {
			return options.rackJson?.[rack];
		}

		const version = /^\/([^/]+)\/formation\.json$/.exec(path)?.[1];
		if (version === undefined) {
			return undefined;
		}

		if (options.formations && version in options.formations) {
			return options.formations[version];
		}

		return fallback !== false && known.has(version) ? withVersionDefault(fallback, version) : undefined;
	}

	function failureFor(path: string): ReleasesFailure | undefined {
		const failure = failures.find(
			candidate =>
				candidate.path === undefined || (typeof candidate.path === 'string' ? candidate.path === path : candidate.path.test(path)),
		);
		if (failure?.times !== undefined && --failure.times <= 0) {
			failures.splice(failures.indexOf(failure), 1);
		}

		return failure;
	}

	function send(response: ServerResponse, path: string, status: number, body: string, type: string): void {
		requests.push({path, status});
		response.writeHead(status, {'content-type': type});
		response.end(body);
	}

	const server = await listenOnLoopback((request, response) => {
		const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
		setTimeout(() => {
			const failure = failureFor(path);
			if (failure?.kind === 'hang') {
				requests.push({path, status: 'hung'});
				return;
			}

			if (failure?.kind === 'error') {
				send(
					response,
					path,
					failure.status ?? 500,
					'<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>',
					'application/xml',
				);
				return;
			}

			const body = failure?.kind === 'not-found' ? undefined : document(path);
			if (body === undefined) {
				send(response, path, 404, noSuchKey(path), 'application/xml');
			} else if (failure?.kind === 'malformed') {
				send(response, path, 200, '{"version": "2016', 'application/json');
			} else {
				send(response, path, 200, typeof body === 'string' ? body : JSON.stringify(body), 'application/json');
			}
		}, options.latencyMs ?? 0);
	});
	return {url: server.url, port: server.port, requests, failures, close: server.close};
}

function safeParse(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
