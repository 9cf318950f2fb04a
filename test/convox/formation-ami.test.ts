import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {sourceAmiFor, templateParameters} from '../../source/convox/formation-ami';
import type {Formation} from '../../source/core/releases';

const formation = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/releases/${name}`, import.meta.url), 'utf8')) as Formation;

describe('the base AMI of a Convox version', () => {
	it('reads Mappings.RegionConfig for the region from the full and the trimmed template', () => {
		expect(sourceAmiFor(formation('formation.20160916121812.regenerated.json'), '20160916121812', 'us-east-1')).toEqual({
			amiId: 'ami-6bb2d67c',
		});
		expect(sourceAmiFor(formation('formation.sample.json'), '20160916121812', 'eu-west-1')).toEqual({amiId: 'ami-078df974'});
	});

	it('names the version and the region when the region has no AMI', () => {
		const lookup = sourceAmiFor(formation('formation.sample.json'), '20160916121812', 'sa-east-1');
		expect(lookup).toEqual({
			problem: expect.stringMatching(
				/^Convox 20160916121812 has no AMI for sa-east-1; its template lists AMIs for us-east-1, .*--region.*--convox-version/,
			),
		});
	});

	it('says so when a template without RegionConfig AMIs names none (current templates go through their SSM parameters)', () => {
		const lookup = sourceAmiFor(formation('formation.no-regionconfig-ami.sample.json'), '20220728124649', 'us-east-1');
		expect(lookup).toEqual({
			problem:
				'Convox 20220728124649 names no AMI for us-east-1 (no Mappings.RegionConfig.us-east-1.Ami). Pin another version with --convox-version.',
		});
	});

	it('lists the template parameters with their defaults and NoEcho', () => {
		const parameters = templateParameters(formation('formation.sample.json'));
		expect(parameters).toHaveLength(30);
		expect(parameters.find(parameter => parameter.name === 'Password')).toEqual({name: 'Password', noEcho: true});
		expect(parameters.find(parameter => parameter.name === 'InstanceCount')).toEqual({name: 'InstanceCount', default: '3', noEcho: false});
	});
});
