import {describe, expect, it} from 'vitest';
import {packerFindings} from '../../../source/services/packer/requirements';
import {satisfies} from '../../../source/services/packer/semver';
import type {TemplateInspection} from '../../../source/services/packer-template-inspection';

const AMAZON = {
	source: 'github.com/hashicorp/amazon',
	version: '1.3.9',
	binaryPath: '/p/github.com/hashicorp/amazon/packer-plugin-amazon_v1.3.9_x5.0_linux_amd64',
};
const builder = {index: 0, name: 'amazon-ebs', type: 'amazon-ebs', makesAmi: true, releaseRunTag: true, sharing: []};
const jsonTemplate: TemplateInspection = {variables: [], sensitiveVariables: [], builders: [builder]};

describe('satisfies', () => {
	it('reads the constraints of go-version', () => {
		expect(satisfies('1.6.6', '>= 1.9')).toBe(false);
		expect(satisfies('1.16.0', '>= 1.9, < 2')).toBe(true);
		expect(satisfies('1.3.9', '~> 1.2')).toBe(true);
		expect(satisfies('2.0.0', '~> 1.2')).toBe(false);
		expect(satisfies('1.3.0', '~> 1.2.3')).toBe(false);
		expect(satisfies('1.2.9', '~> 1.2.3')).toBe(true);
		expect(satisfies('1.6.6', '1.6.6')).toBe(true);
		expect(satisfies('1.6.6', '!= 1.6.6')).toBe(false);
		expect(satisfies('1.6.6', 'latest')).toBeUndefined();
	});
});

describe('packerFindings', () => {
	it('Packer 1.6.6 bundles amazon-ebs: nothing to install', () => {
		expect(packerFindings({binary: 'packer', version: '1.6.6'}, jsonTemplate, '/t/packer.json')).toEqual([]);
	});

	it('Packer 1.16 without the Amazon plugin: a JSON template takes `packer plugins install`', () => {
		expect(packerFindings({binary: 'packer', version: '1.16.0', plugins: []}, jsonTemplate, '/t/packer.json')).toEqual([
			{
				kind: 'missing-plugins',
				plugins: [{source: 'github.com/hashicorp/amazon'}],
				command: ['plugins', 'install', 'github.com/hashicorp/amazon'],
			},
		]);
		expect(packerFindings({binary: 'packer', version: '1.16.0', plugins: [AMAZON]}, jsonTemplate, '/t/packer.json')).toEqual([]);
	});

	it("an HCL2 template's required_plugins take `packer init` of its file or folder, also when the installed version is too old", () => {
		const hcl2 = {...jsonTemplate, requiredPlugins: [{source: 'github.com/hashicorp/amazon', version: '>= 1.4.0'}]};
		expect(packerFindings({binary: 'packer', version: '1.16.0', plugins: [AMAZON]}, hcl2, '/t/hcl2')).toEqual([
			{kind: 'missing-plugins', plugins: [{source: 'github.com/hashicorp/amazon', version: '>= 1.4.0'}], command: ['init', '/t/hcl2']},
		]);
	});

	it('a template that needs a later Packer names both versions', () => {
		const needs = {...jsonTemplate, requiredPackerVersion: '>= 1.9'};
		expect(packerFindings({binary: 'packer', version: '1.6.6'}, needs, '/t/packer.json')).toEqual([
			{kind: 'packer-too-old', required: '>= 1.9', actual: '1.6.6'},
		]);
	});
});
