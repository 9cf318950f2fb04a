import {readFileSync} from 'node:fs';
import path from 'node:path';
import {CloudFormationClient, DescribeStacksCommand, GetTemplateSummaryCommand} from '@aws-sdk/client-cloudformation';
import {mockClient} from 'aws-sdk-client-mock';
import {afterEach, describe, expect, it} from 'vitest';
import {buildUpdateParameters} from '../../source/convox/parameters';
import {describeStack, templateParametersOf} from '../../source/services/cloudformation/stack';
import type {TemplateParameter} from '../../source/core/stack';

const fixtures = path.resolve(import.meta.dirname, '../fixtures');
const readJson = (name: string) => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));

const formation = readJson('releases/formation.sample.json') as {Parameters: Record<string, {Default?: string; NoEcho?: boolean | string}>};
const templateParameters: TemplateParameter[] = Object.entries(formation.Parameters).map(([name, spec]) => ({
	name,
	...(spec.Default === undefined ? {} : {default: spec.Default}),
	noEcho: String(spec.NoEcho) === 'true',
}));

const cloudformation = mockClient(CloudFormationClient);
const client = new CloudFormationClient({region: 'us-east-1', credentials: {accessKeyId: 'AKIDTEST', secretAccessKey: 'secret'}});

afterEach(() => cloudformation.reset());

async function stackParametersOf(fixture: string) {
	cloudformation.on(DescribeStacksCommand, {StackName: 'convox'}).resolves(readJson(fixture));
	return (await describeStack(client, 'convox')).parameters;
}

describe('buildUpdateParameters', () => {
	it('makes exactly the update of the fixture: Ami and Version set, UsePreviousValue for the rest', async () => {
		const stackParameters = await stackParametersOf('cloudformation/describe-stacks.convox-rack.json');
		const expected = readJson('cloudformation/update-stack.input.json');
		const amiId = expected.Parameters.find((parameter: {ParameterKey: string}) => parameter.ParameterKey === 'Ami').ParameterValue;
		const update = buildUpdateParameters({stackParameters, templateParameters, amiId, convoxVersion: '20160916121812'});
		expect(update.parameters).toEqual(expected.Parameters);
		expect(update.dropped).toEqual([]);
		expect(update.missing).toEqual([]);
	});

	it('keeps previous values only for parameters in both sets, lets new ones take defaults and lists the dropped ones', async () => {
		const stackParameters = await stackParametersOf('cloudformation/describe-stacks.convox-rack.v20160323012659.json');
		const update = buildUpdateParameters({
			stackParameters,
			templateParameters,
			amiId: 'ami-0123456789abcdef0',
			convoxVersion: '20160916121812',
		});

		const keys = update.parameters.map(parameter => parameter.ParameterKey);
		const added = [
			'ApiCpu',
			'ApiMemory',
			'ContainerDisk',
			'ExistingVpc',
			'InstanceRunCommand',
			'InstanceUpdateBatchSize',
			'Internal',
			'SwapSize',
		];
		for (const key of added) expect(keys).not.toContain(key);
		expect(update.dropped).toEqual([
			'Certificate',
			'DockerImageApi',
			'DockerImageApp',
			'DockerImageBuild',
			'DockerImageService',
			'RegistryHost',
			'RegistryPort',
		]);
		for (const key of update.dropped) expect(keys).not.toContain(key);
		expect(update.parameters.filter(parameter => parameter.UsePreviousValue)).toHaveLength(20);
		expect(update.parameters).toContainEqual({ParameterKey: 'Ami', ParameterValue: 'ami-0123456789abcdef0'});
		expect(update.parameters).toContainEqual({ParameterKey: 'Version', ParameterValue: '20160916121812'});
		expect(update.parameters).toContainEqual({ParameterKey: 'Password', UsePreviousValue: true});

		expect(update.changes).toContainEqual({key: 'Ami', old: 'ami-3e1f2a9b', new: 'ami-0123456789abcdef0', masked: false});
		expect(update.changes).toContainEqual({key: 'Version', old: '20160323012659', new: '20160916121812', masked: false});
		expect(update.changes).toContainEqual({key: 'SwapSize', new: '5', masked: false});
		expect(update.changes).toContainEqual({key: 'Password', old: '****', new: '****', masked: true});
	});

	it('masks NoEcho values and reports a new parameter without a default as missing until it is given', () => {
		const template: TemplateParameter[] = [
			{name: 'Ami', default: '', noEcho: false},
			{name: 'Version', noEcho: false},
			{name: 'Token', noEcho: true},
			{name: 'Owner', noEcho: false},
			{name: 'Secret', default: 'default-secret', noEcho: true},
		];
		const stackParameters = [
			{key: 'Ami', value: 'ami-old'},
			{key: 'Version', value: '1'},
		];
		const first = buildUpdateParameters({stackParameters, templateParameters: template, amiId: 'ami-new', convoxVersion: '2'});
		expect(first.missing.map(parameter => parameter.name)).toEqual(['Owner', 'Token']);
		expect(first.changes).toContainEqual({key: 'Secret', new: '****', masked: true});

		const second = buildUpdateParameters({
			stackParameters,
			templateParameters: template,
			amiId: 'ami-new',
			convoxVersion: '2',
			given: {Token: 'hunter2', Owner: 'ops'},
		});
		expect(second.missing).toEqual([]);
		expect(second.parameters).toContainEqual({ParameterKey: 'Token', ParameterValue: 'hunter2'});
		expect(second.changes).toContainEqual({key: 'Token', new: '****', masked: true});
		expect(JSON.stringify(second.changes)).not.toContain('hunter2');
		expect(second.changes).toContainEqual({key: 'Owner', new: 'ops', masked: false});
	});
});

describe('templateParametersOf', () => {
	it('reads names, defaults and NoEcho from GetTemplateSummary', async () => {
		const url = 'https://convox.s3.amazonaws.com/release/20160916121812/formation.json';
		cloudformation.on(GetTemplateSummaryCommand, {TemplateURL: url}).resolves({
			Parameters: [
				{ParameterKey: 'Ami', DefaultValue: '', NoEcho: false},
				{ParameterKey: 'Password', NoEcho: true},
			],
		});
		expect(await templateParametersOf(client, url)).toEqual([
			{name: 'Ami', default: '', noEcho: false},
			{name: 'Password', noEcho: true},
		]);
	});
});
