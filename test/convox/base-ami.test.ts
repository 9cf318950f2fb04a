import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {planBaseAmi} from '../../source/convox/base-ami';
import type {Formation} from '../../source/core/releases';

const template = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/releases/${name}`, import.meta.url), 'utf8')) as Formation;
const t2016 = template('formation.20160916121812.regenerated.json');
const t2026 = template('formation.20260421192651.json');
const tAl2023 = template('formation.20260708102410.al2023.assembled.json');
const stackValues = (() => {
	const stack = JSON.parse(
		readFileSync(new URL('../fixtures/cloudformation/describe-stacks.convox-rack.modern.json', import.meta.url), 'utf8'),
	);
	return Object.fromEntries(
		stack.Stacks[0].Parameters.map((parameter: {ParameterKey: string; ParameterValue: string}) => [
			parameter.ParameterKey,
			parameter.ParameterValue,
		]),
	) as Record<string, string>;
})();
const AL2 = '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id';
const AL2_ARM = '/aws/service/ecs/optimized-ami/amazon-linux-2/arm64/recommended/image_id';
const AL2023_ARM = '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id';

describe('the base AMI of a Convox version', () => {
	it('2016-era templates: Mappings.RegionConfig, as before', () => {
		expect(planBaseAmi({template: t2016, version: '20160916121812', region: 'us-east-1', stackValues: {}})).toMatchObject({
			era: 'region-config',
			amiId: expect.stringMatching(/^ami-/),
			architecture: 'x86_64',
		});
	});

	it("current templates: DefaultAmi for an x86 InstanceType, the stack's value being the template's default", () => {
		const plan = planBaseAmi({template: t2026, version: '20260212195551', region: 'us-east-1', stackValues});
		expect(plan).toMatchObject({
			era: 'ssm',
			parameterKey: 'DefaultAmi',
			parameterPath: AL2,
			architecture: 'x86_64',
			instanceType: 't3.large',
			builder: {instanceType: 't3.small', architecture: 'x86_64'},
		});
		expect('reason' in plan && plan.reason).toBe(
			`InstanceType t3.large is not an ARM type by the template's InstanceARM condition, so the rack's stock AMI is DefaultAmi: ${AL2}, the stack's DefaultAmi, the template's default`,
		);
	});

	it('an ARM InstanceType runs DefaultAmiArm; no dedicated builder when BuildInstance is empty', () => {
		const plan = planBaseAmi({
			template: t2026,
			version: '20260421192651',
			region: 'us-east-1',
			stackValues: {...stackValues, InstanceType: 'm7g.large', BuildInstance: ''},
		});
		expect(plan).toMatchObject({era: 'ssm', parameterKey: 'DefaultAmiArm', parameterPath: AL2_ARM, architecture: 'arm64'});
		expect(plan).not.toHaveProperty('builder');
	});

	it("the operator's own parameter wins; a Convox default the stack stored gives way to the new template's default", () => {
		const values = {...stackValues, InstanceType: 'm7g.large', BuildInstance: 't4g.small'};
		const moved = planBaseAmi({
			template: tAl2023,
			version: '20260708102410',
			region: 'us-east-1',
			stackValues: values,
			currentTemplate: {version: '20260212195551', template: t2026},
		});
		expect(moved).toMatchObject({parameterPath: AL2023_ARM, builder: {instanceType: 't4g.small', architecture: 'arm64'}});
		expect('reason' in moved && moved.reason).toContain(
			`the 20260708102410 template's default (the stack's ${AL2_ARM} is the default of 20260212195551`,
		);
		const own = planBaseAmi({
			template: tAl2023,
			version: '20260708102410',
			region: 'us-east-1',
			stackValues: {...values, DefaultAmiArm: '/acme/ami/arm64'},
			currentTemplate: {version: '20260212195551', template: t2026},
		});
		expect(own).toMatchObject({parameterPath: '/acme/ami/arm64'});
		expect('reason' in own && own.reason).toContain("the stack's own DefaultAmiArm");
		const unknownCurrent = planBaseAmi({template: tAl2023, version: '20260708102410', region: 'us-east-1', stackValues: values});
		expect(unknownCurrent).toMatchObject({parameterPath: AL2_ARM});
	});

	it('without stack values, the template defaults (t3.small: x86)', () => {
		expect(planBaseAmi({template: tAl2023, version: '20260708102410', region: 'us-east-1', stackValues: {}})).toMatchObject({
			parameterPath: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
			architecture: 'x86_64',
			builder: {instanceType: 't3.small'},
		});
	});

	it('a template that takes SSM parameters some other way is a clear problem', () => {
		const odd: Formation = {Parameters: {BaseAmi: {Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: '/x'}}};
		expect(planBaseAmi({template: odd, version: '20990101000000', region: 'us-east-1', stackValues: {}})).toEqual({
			problem: expect.stringContaining('takes its AMI from SSM (BaseAmi: SSM parameter /x), but not the way this tool knows'),
		});
		const unevaluable = {
			...t2026,
			Conditions: {...(t2026.Conditions as object), InstanceARM: {'Fn::Equals': [{'Fn::FindInMap': ['A', 'B', 'C']}, '']}},
		};
		expect(planBaseAmi({template: unevaluable, version: '20990101000000', region: 'us-east-1', stackValues: {}})).toEqual({
			problem: expect.stringContaining('Fn::FindInMap is not a function this tool evaluates'),
		});
	});
});
