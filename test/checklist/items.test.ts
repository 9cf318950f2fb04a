import {describe, expect, it} from 'vitest';
import {checklistItems} from '../../source/checklist/items';
import {probeTimeoutMs, type ChecklistSetup} from '../../source/checklist/setup';
import {createRunSecrets} from '../../source/services/run-secrets';
import {UsageError} from '../../source/core/errors';
import {accountSchema} from '../../source/config/schema';
import {LIVE_POLICY, type Services} from '../../source/core/ports';

const account = accountSchema.parse({
	accountId: '111111111111',
	stackName: 'convox-dev',
	librato: {source: 'aws.dev.*'},
	probeTimeout: 120,
	checks: [{kind: 'manual', id: 'dashboard', title: 'Dashboard', question: 'Is the dashboard green?', link: 'https://status.example.com/'}],
});

function setup(environment: NodeJS.ProcessEnv, overrides: Partial<typeof account> = {}): ChecklistSetup {
	const services = {
		releases: undefined as never,
		aws: () => Promise.reject(new Error('not used')),
		binaries: {packer: 'packer', convox: 'convox', git: 'git'},
		environment,
		policy: LIVE_POLICY,
	} satisfies Services;
	return {
		account: {...account, ...overrides},
		services,
		secrets: createRunSecrets(environment),
		runId: 'dev-20261207-abc',
		configDir: '.',
		probeTimeoutMs: 1000,
		targets: {stackName: 'convox-dev', convoxVersion: 'v', amiId: 'ami-x', acceptedStatuses: ['UPDATE_COMPLETE']},
	};
}

describe('checklistItems', () => {
	it('lists the default items in the contract order, then the account’s own', () => {
		const items = checklistItems(setup({LIBRATO_EMAIL: 'ops@example.com', LIBRATO_TOKEN: 't'}));
		expect(items.map(item => [item.id, item.kind])).toEqual([
			['rack', 'auto'],
			['instances', 'auto'],
			['hello-world', 'auto'],
			['metrics', 'auto'],
			['logs', 'manual'],
			['dashboard', 'manual'],
		]);
		expect(items.at(-1)).toMatchObject({question: 'Is the dashboard green?', link: 'https://status.example.com/', required: true});
	});

	it('asks about Librato (the legacy librato key) by hand, with a link to the metric, when its credentials are missing', () => {
		const librato = checklistItems(setup({LIBRATO_EMAIL: 'ops@example.com'})).find(item => item.id === 'metrics');
		expect(librato).toMatchObject({
			kind: 'manual',
			link: 'https://metrics.librato.com/s/metrics/collectd.cpu.percent.user?source=aws.dev.*',
		});
	});

	it('checks metrics in CloudWatch, automatically, when the account names no Librato', () => {
		const metrics = checklistItems(setup({}, {librato: undefined})).find(item => item.id === 'metrics');
		expect(metrics).toMatchObject({kind: 'auto', title: 'Instances publish metrics', needsCustomAmi: {installs: 'collectd'}});
	});

	it('searches the logs with the Search Job API only with its endpoint, scope and both keys; otherwise asks, naming what is missing', () => {
		const logs = {backend: 'sumologic' as const, api: 'https://api.us2.sumologic.com', query: '_sourceCategory=aws/dev/logspout'};
		const keys = {SUMOLOGIC_ACCESS_ID: 'su0123456789', SUMOLOGIC_ACCESS_KEY: 'key-0123456789'};
		expect(checklistItems(setup(keys, {logs})).find(item => item.id === 'logs')).toMatchObject({kind: 'auto'});
		const withoutKey = checklistItems(setup({SUMOLOGIC_ACCESS_ID: 'su0123456789'}, {logs})).find(item => item.id === 'logs');
		expect(withoutKey).toMatchObject({kind: 'manual'});
		expect(withoutKey && 'question' in withoutKey ? withoutKey.question : '').toContain('set SUMOLOGIC_ACCESS_KEY to check automatically');
		const withoutScope = checklistItems(setup(keys, {logs: {backend: 'sumologic', api: logs.api}})).find(item => item.id === 'logs');
		expect(withoutScope && 'question' in withoutScope ? withoutScope.question : '').toContain('set logs.query');
	});

	it('refuses a custom check that takes the id of a default check, old ids included', () => {
		const manual = {kind: 'manual' as const, title: 'Mine', question: 'Fine?', required: true};
		expect(() => checklistItems(setup({}, {checks: [{...manual, id: 'sumologic'}]}))).toThrow(UsageError);
		expect(() => checklistItems(setup({}, {checks: [{...manual, id: 'metrics'}]}))).toThrow(/has the id of a default check/);
	});
});

describe('probeTimeoutMs', () => {
	it('takes CONVOX_AMI_PROBE_TIMEOUT, then the account’s probeTimeout, then 300 s', () => {
		expect(probeTimeoutMs({CONVOX_AMI_PROBE_TIMEOUT: '30'}, account)).toBe(30_000);
		expect(probeTimeoutMs({CONVOX_AMI_PROBE_TIMEOUT: '0.5'}, account)).toBe(500);
		expect(probeTimeoutMs({CONVOX_AMI_PROBE_TIMEOUT: 'soon'}, account)).toBe(120_000);
		expect(probeTimeoutMs({}, account)).toBe(120_000);
		expect(probeTimeoutMs({}, {...account, probeTimeout: undefined})).toBe(300_000);
	});
});
