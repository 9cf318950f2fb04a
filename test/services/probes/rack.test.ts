import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {CloudFormationClient, DescribeStacksCommand, type Stack} from '@aws-sdk/client-cloudformation';
import {mockClient} from 'aws-sdk-client-mock';
import {describe, expect, it} from 'vitest';
import {describeStack} from '../../../source/services/cloudformation/stack';
import {parseKeyValues, runConvox} from '../../../source/services/probes/convox-cli';
import {judgeConvoxRack, judgeRack, judgeStack} from '../../../source/services/probes/rack';
import type {StackSnapshot} from '../../../source/core/stack';

const shared = (path: string) => fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url));
const fakeConvox = fileURLToPath(new URL('../../fixtures/bin/convox', import.meta.url));
const stackFixture = (name: string) => (JSON.parse(readFileSync(shared(`cloudformation/${name}`), 'utf8')) as {Stacks: Stack[]}).Stacks[0]!;

const VERSION = '20160916121812';
const AMI = 'ami-0a7f3c9e21d4b5e86';
const target = {convoxVersion: VERSION, amiId: AMI, acceptedStatuses: ['UPDATE_COMPLETE']};

function convox(args: string[], env: Record<string, string>, rack?: string) {
	return runConvox(fakeConvox, args, {rack, environment: {...process.env, ...env}});
}

describe('convox rack', () => {
	it('parses the recorded output', () => {
		expect(parseKeyValues(readFileSync(shared('convox/convox-rack.stdout.txt'), 'utf8'))).toEqual({
			Name: 'convox-dev',
			Status: 'running',
			Version: VERSION,
			Count: '3',
			Type: 't2.small',
		});
	});

	it('passes a running rack on the target version, passing --rack', async () => {
		const result = await convox(['rack'], {FAKE_CONVOX_RACK: shared('convox/convox-rack.stdout.txt')}, 'dev');
		expect(judgeConvoxRack(result, VERSION)).toEqual({status: 'pass', detail: `convox rack: convox-dev running ${VERSION}, 3 instances`});
	});

	it('fails another version, and an updating rack only for now (retryable)', async () => {
		const running = await convox(['rack'], {FAKE_CONVOX_RACK: shared('convox/convox-rack.stdout.txt')});
		expect(judgeConvoxRack(running, '20170101000000')).toMatchObject({
			status: 'fail',
			retryable: false,
			detail: `convox rack: Version ${VERSION}, expected 20170101000000`,
		});
		const updating = await convox(['rack'], {FAKE_CONVOX_RACK: shared('convox/convox-rack.updating.stdout.txt')});
		expect(judgeConvoxRack(updating, VERSION)).toMatchObject({
			status: 'fail',
			retryable: true,
			detail: 'convox rack: Status updating, expected running',
		});
	});

	it('fails a non-zero exit with the command and its stderr', async () => {
		const result = await convox(['rack'], {FAKE_CONVOX_EXIT: '1', FAKE_CONVOX_STDERR: 'ERROR: invalid login'}, 'dev');
		expect(judgeConvoxRack(result, VERSION)).toEqual({
			status: 'fail',
			retryable: false,
			detail: 'convox rack --rack dev exited 1: ERROR: invalid login',
		});
	});

	it('says so when the convox binary is missing', async () => {
		const result = await runConvox('/nonexistent/convox', ['rack'], {environment: process.env});
		expect(judgeConvoxRack(result, VERSION).detail).toBe(
			'convox rack: /nonexistent/convox not found (install the Convox CLI on PATH or set binaries.convox in the config)',
		);
	});
});

/** The stack of a recorded DescribeStacks answer, read as the checklist reads it. */
async function readStack(fixture: string): Promise<StackSnapshot> {
	const cloudformation = new CloudFormationClient({region: 'us-east-1', credentials: {accessKeyId: 'x', secretAccessKey: 'y'}});
	const mock = mockClient(cloudformation);
	mock.on(DescribeStacksCommand, {StackName: 'convox'}).resolves({Stacks: [stackFixture(fixture)]});
	try {
		return await describeStack(cloudformation, 'convox');
	} finally {
		mock.restore();
	}
}

describe('the stack', () => {
	it('passes the stack after the update with the released Ami and Version', async () => {
		const outcome = judgeStack(await readStack('describe-stacks.convox-rack.after-update.json'), target);
		expect(outcome).toEqual({status: 'pass', detail: `stack convox UPDATE_COMPLETE, Ami ${AMI}, Version ${VERSION}`});
	});

	it('fails the stack before the update: its parameters are not the released ones', async () => {
		const outcome = judgeStack(await readStack('describe-stacks.convox-rack.json'), target);
		expect(outcome).toMatchObject({status: 'fail', retryable: false});
		expect(outcome.detail).toBe(`stack convox UPDATE_COMPLETE but Ami (empty) (expected ${AMI}), Version dev (expected ${VERSION})`);
	});

	it('fails a rolled-back stack for good and waits on one still updating', async () => {
		const stack = await readStack('describe-stacks.convox-rack.after-update.json');
		expect(judgeStack({...stack, status: 'UPDATE_ROLLBACK_COMPLETE'}, target)).toMatchObject({status: 'fail', retryable: false});
		expect(judgeStack({...stack, status: 'UPDATE_IN_PROGRESS'}, target)).toMatchObject({status: 'fail', retryable: true});
		expect(judgeStack({...stack, status: 'UPDATE_ROLLBACK_IN_PROGRESS'}, target)).toMatchObject({status: 'fail', retryable: false});
		expect(
			judgeStack({...stack, status: 'CREATE_COMPLETE'}, {...target, acceptedStatuses: ['UPDATE_COMPLETE', 'CREATE_COMPLETE']}).status,
		).toBe('pass');
	});

	it('fails a stack without Ami or Version parameters, naming both as empty', async () => {
		const stack = await readStack('describe-stacks.convox-rack.after-update.json');
		expect(judgeStack({...stack, parameters: []}, target).detail).toBe(
			`stack convox UPDATE_COMPLETE but Ami (empty) (expected ${AMI}), Version (empty) (expected ${VERSION})`,
		);
	});
});

describe('judgeRack', () => {
	const ok = {status: 'pass' as const, detail: 'a'};
	it('needs both the rack and the stack', () => {
		expect(judgeRack(ok, {status: 'pass', detail: 'b'})).toEqual({status: 'pass', detail: 'a; b'});
		expect(
			judgeRack({status: 'fail', detail: 'rack bad', retryable: true}, {status: 'fail', detail: 'stack rolled back', retryable: false}),
		).toEqual({
			status: 'fail',
			detail: 'stack rolled back; rack bad',
			retryable: false,
		});
		expect(judgeRack(ok, {status: 'fail', detail: 'settling', retryable: true})).toMatchObject({status: 'fail', retryable: true});
	});
});
