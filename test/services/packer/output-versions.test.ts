import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {LineSplitter} from '../../../source/services/packer/machine-readable';
import {PackerOutput, type PackerOutputEvent} from '../../../source/services/packer/output';
import {createScrubber} from '../../../source/services/packer/scrubber';

const FIXTURES = new URL('../../fixtures/packer-output/', import.meta.url).pathname;

function feed(name: string) {
	const text = readFileSync(join(FIXTURES, name), 'utf8');
	const events: PackerOutputEvent[] = [];
	const output = new PackerOutput(createScrubber([]), event => events.push(event));
	const splitter = new LineSplitter();
	for (let index = 0; index < text.length; index += 53) splitter.push(text.slice(index, index + 53), line => output.push(line));
	splitter.flush(line => output.push(line));
	const phases = [...new Set(events.flatMap(event => (event.type === 'phase' ? [event.phase] : [])))];
	const stderr = events.filter(event => event.type === 'line' && event.level === 'stderr');
	return {output, phases, stderr};
}

const ALL_PHASES = [
	'prevalidate',
	'key-pair',
	'launch',
	'wait-instance',
	'connect',
	'provision',
	'stop',
	'create-ami',
	'wait-ami',
	'clean-up',
];

/** One recorded or assembled run per Packer version and template format (test/fixtures/README.md says which is which). */
const RUNS = [
	{
		file: '1.6.6.json-amazon-ebs.machine-readable.txt',
		amiIds: {'us-east-1': 'ami-f40ecfc5659747bb4'},
		phases: ['prevalidate', 'key-pair', 'launch', 'wait-instance', 'provision', 'stop', 'create-ami', 'wait-ami', 'clean-up'],
	},
	{file: '1.8.7.json-named-amazon-ebs.machine-readable.txt', amiIds: {'us-east-1': 'ami-0a7f3c9e21d4b5e86'}, phases: ALL_PHASES},
	{file: '1.9.4.hcl2-amazon-ebs.machine-readable.txt', amiIds: {'us-east-1': 'ami-0a7f3c9e21d4b5e86'}, phases: ALL_PHASES},
	{
		file: '1.16.0.hcl2-amazon-ebs-ami-regions.machine-readable.txt',
		amiIds: {'us-east-1': 'ami-0c41d7e8f2a9b3c60', 'eu-west-1': 'ami-07d2e9a4c1b8f3e65'},
		phases: ALL_PHASES,
	},
	{file: '1.6.6.hcl2-null.machine-readable.txt', amiIds: {}, phases: ['provision', 'clean-up']},
	{file: '1.6.6.json-named-null.machine-readable.txt', amiIds: {}, phases: ['clean-up']},
];

describe('Packer machine-readable output from 1.6.6 to 1.16, JSON and HCL2 templates', () => {
	it('has a test for every fixture of the folder', () => {
		const tested = [...RUNS.map(run => run.file), '1.16.0.hcl2-amazon-ebs-provisioner-failure.machine-readable.txt'];
		expect(readdirSync(FIXTURES).sort()).toEqual(tested.sort());
	});

	it.each(RUNS)('$file: the AMIs by region, every phase in order, nothing taken for plain text', ({file, amiIds, phases}) => {
		const {output, phases: seen, stderr} = feed(file);
		expect(output.amiIds).toEqual(amiIds);
		expect(seen).toEqual(phases);
		expect(stderr).toEqual([]);
		expect(output.errorCount).toBe(0);
		expect(output.buildErrors).toEqual([]);
		expect(output.tracker.leftBehind()).toEqual(Object.keys(amiIds).length > 0 ? {ami: expect.stringMatching(/^ami-/)} : {});
	});

	it('names what a named build created (amazon-ebs.NAME) as it does an unnamed one', () => {
		const {output} = feed('1.16.0.hcl2-amazon-ebs-ami-regions.machine-readable.txt');
		expect(output.tracker.created).toEqual({
			keyPair: 'packer_6893a1f0-5c2e-4b7d-8e1a-2f3c4d5e6a7b',
			securityGroup: 'packer_6893a1f1-9d8c-4e7b-a6f5-0e1d2c3b4a59',
			instance: 'i-0b7e4d2c9f1a3e5d6',
			ami: 'ami-0c41d7e8f2a9b3c60',
		});
	});

	it('1.16: a failed named build reports its error line, not the summaries, and nothing left behind after its clean-up', () => {
		const {output, phases} = feed('1.16.0.hcl2-amazon-ebs-provisioner-failure.machine-readable.txt');
		expect(output.amiIds).toEqual({});
		expect(output.errorCount).toBe(1);
		expect(output.failureLines()).toEqual(['Script exited with non-zero exit status: 1. Allowed exit codes are: [0]']);
		expect(phases.at(-1)).toBe('clean-up');
		expect(output.tracker.leftBehind()).toEqual({});
	});
});
