import {afterEach, describe, expect, it} from 'vitest';
import {libratoStandIn} from '../../source/rehearsal/librato-stand-in';
import {listenOnLoopback, type LoopbackServer} from '../../source/rehearsal/loopback-server';
import {libratoAttempt} from '../../source/services/probes/librato';

let librato: LoopbackServer;

afterEach(async () => {
	await librato.close();
});

const query = (token: string) => ({apiUrl: librato.url, email: 'ops@example.com', token, source: 'aws.dev.*', timeoutMs: 5000});

describe('Librato stand-in', () => {
	it("answers the account's token with measurements newer than a stack update completed this very second", async () => {
		librato = await listenOnLoopback(libratoStandIn({source: 'aws.dev.i-0a1', account: {email: 'ops@example.com', token: 'right'}}));
		const outcome = await libratoAttempt({...query('right'), since: new Date()});
		expect(outcome).toMatchObject({
			status: 'pass',
			detail: expect.stringContaining('1 collectd.cpu.percent.user measurements from source aws.dev.*'),
		});
	});

	it('refuses another token as Librato does (HTTP 401), and answers anyone when no account is set', async () => {
		librato = await listenOnLoopback(libratoStandIn({source: 'aws.dev.i-0a1', account: {email: 'ops@example.com', token: 'right'}}));
		expect(await libratoAttempt({...query('wrong'), since: new Date(Date.now() - 60_000)})).toMatchObject({
			status: 'fail',
			detail: expect.stringContaining('Librato refused the credentials (HTTP 401)'),
		});
		await librato.close();
		librato = await listenOnLoopback(libratoStandIn({source: 'aws.dev.i-0a1'}));
		expect(await libratoAttempt({...query('any'), since: new Date(Date.now() - 60_000)})).toMatchObject({status: 'pass'});
	});
});
