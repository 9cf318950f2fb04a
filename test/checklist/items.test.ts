import {describe, expect, it} from 'vitest';
import {checklistItems, probeTimeoutMs, type ChecklistSetup} from '../../source/checklist/items';
import {accountSchema} from '../../source/config/schema';
import {LIVE_POLICY, type Services} from '../../source/services/services';

const account = accountSchema.parse({
	accountId: '111111111111',
	stackName: 'convox-dev',
	librato: {source: 'aws.dev.*'},
	probeTimeout: 120,
	checks: [{kind: 'manual', id: 'dashboard', title: 'Dashboard', question: 'Is the dashboard green?', link: 'https://status.example.com/'}],
});

function setup(env: NodeJS.ProcessEnv): ChecklistSetup {
	const services = {
		releases: undefined as never,
		aws: () => Promise.reject(new Error('not used')),
		binaries: {packer: 'packer', convox: 'convox', git: 'git'},
		env,
		policy: LIVE_POLICY,
	} satisfies Services;
	return {
		account,
		services,
		configDir: '.',
		probeTimeoutMs: 1000,
		targets: {stackName: 'convox-dev', convoxVersion: 'v', ami: 'ami-x', acceptedStatuses: ['UPDATE_COMPLETE']},
	};
}

describe('checklistItems', () => {
	it('lists the default items in the contract order, then the account’s own', () => {
		const items = checklistItems(setup({LIBRATO_EMAIL: 'ops@example.com', LIBRATO_TOKEN: 't'}));
		expect(items.map(item => [item.id, item.kind])).toEqual([
			['rack', 'auto'],
			['instances', 'auto'],
			['hello-world', 'auto'],
			['librato', 'auto'],
			['sumologic', 'manual'],
			['dashboard', 'manual'],
		]);
		expect(items.at(-1)).toMatchObject({question: 'Is the dashboard green?', link: 'https://status.example.com/', required: true});
	});

	it('asks about Librato by hand, with a link to the metric, when its credentials are missing', () => {
		const librato = checklistItems(setup({LIBRATO_EMAIL: 'ops@example.com'})).find(item => item.id === 'librato');
		expect(librato).toMatchObject({
			kind: 'manual',
			link: 'https://metrics.librato.com/s/metrics/collectd.cpu.percent.user?source=aws.dev.*',
		});
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
