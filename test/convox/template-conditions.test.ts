import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {ConditionError, ConditionEvaluator} from '../../source/convox/template-conditions';

const template = (name: string) =>
	JSON.parse(readFileSync(new URL(`../fixtures/releases/${name}`, import.meta.url), 'utf8')) as {Conditions: Record<string, unknown>};
const t2022 = template('formation.20220728124649.json');
const t2026 = template('formation.20260421192651.json');
const arm = (conditions: Record<string, unknown>, InstanceType: string) =>
	new ConditionEvaluator(conditions, {InstanceType}).condition('InstanceARM');

describe("the template's condition evaluator", () => {
	it("decides ARM by the real templates' InstanceARM, each by its own list of families", () => {
		for (const type of ['m7g.large', 't4g.small', 'c7g.xlarge', 'r7g.medium', 'x2gd.large', 'a1.medium', 'm6g.large'])
			expect(arm(t2026.Conditions, type), type).toBe(true);
		for (const type of ['t3.large', 'm5.large', 'c5.xlarge', 't3a.small', 'm7i.large'])
			expect(arm(t2026.Conditions, type), type).toBe(false);
		expect(arm(t2022.Conditions, 'm7g.large')).toBe(false);
		expect(arm(t2022.Conditions, 't4g.small')).toBe(true);
	});

	it('evaluates BlankAmi and DedicatedBuilder (Fn::Not) from parameter values', () => {
		const evaluate = (values: Record<string, string>, name: string) => new ConditionEvaluator(t2026.Conditions, values).condition(name);
		expect(evaluate({Ami: ''}, 'BlankAmi')).toBe(true);
		expect(evaluate({Ami: 'ami-0123456789abcdef0'}, 'BlankAmi')).toBe(false);
		expect(evaluate({BuildInstance: 't4g.small'}, 'DedicatedBuilder')).toBe(true);
		expect(evaluate({BuildInstance: ''}, 'DedicatedBuilder')).toBe(false);
	});

	it('follows Condition references and Fn::And', () => {
		const conditions = {
			Arm: {'Fn::Equals': [{'Fn::Select': [0, {'Fn::Split': ['.', {Ref: 'InstanceType'}]}]}, 'm7g']},
			Both: {'Fn::And': [{Condition: 'Arm'}, {'Fn::Not': [{'Fn::Equals': [{Ref: 'BuildInstance'}, '']}]}]},
			Loop: {Condition: 'Loop'},
		};
		expect(new ConditionEvaluator(conditions, {InstanceType: 'm7g.large', BuildInstance: 'm7g.medium'}).condition('Both')).toBe(true);
		expect(new ConditionEvaluator(conditions, {InstanceType: 'm7g.large', BuildInstance: ''}).condition('Both')).toBe(false);
		expect(() => new ConditionEvaluator(conditions, {}).condition('Loop')).toThrow('the condition Loop refers to itself');
	});

	it('names what it cannot evaluate instead of guessing', () => {
		const conditions = {
			Region: {'Fn::Equals': [{Ref: 'AWS::Region'}, 'us-east-1']},
			Mapping: {'Fn::Equals': [{'Fn::FindInMap': ['RegionConfig', 'us-east-1', 'Ami']}, '']},
			Range: {'Fn::Equals': [{'Fn::Select': [3, {'Fn::Split': ['.', 'a.b']}]}, '']},
		};
		const evaluator = new ConditionEvaluator(conditions, {});
		expect(() => evaluator.condition('Region')).toThrow(new ConditionError('Ref AWS::Region: no such parameter has a value'));
		expect(() => evaluator.condition('Mapping')).toThrow('Fn::FindInMap is not a function this tool evaluates in a condition');
		expect(() => evaluator.condition('Range')).toThrow('Fn::Select index 3 is out of range');
		expect(() => evaluator.condition('Missing')).toThrow('the template has no condition Missing');
	});
});
