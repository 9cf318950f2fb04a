import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {LineSplitter, parseRecord} from '../../../source/services/packer/machine-readable';
import {PackerOutput, type PackerOutputEvent} from '../../../source/services/packer/output';
import {createScrubber} from '../../../source/services/packer/scrubber';

const FIXTURES = new URL('../../fixtures/packer/', import.meta.url).pathname;
const machineReadable = readdirSync(FIXTURES).filter(name => name.endsWith('.machine-readable.txt'));

function feed(name: string, secrets: string[] = [], chunkSize = 37) {
	const text = readFileSync(join(FIXTURES, name), 'utf8');
	const events: PackerOutputEvent[] = [];
	const log: string[] = [];
	const output = new PackerOutput(
		createScrubber(secrets),
		event => events.push(event),
		line => log.push(line),
	);
	const splitter = new LineSplitter();
	for (let index = 0; index < text.length; index += chunkSize)
		splitter.push(text.slice(index, index + chunkSize), line => output.push(line));
	splitter.flush(line => output.push(line));
	const lines = events.flatMap(event => (event.type === 'line' ? [event.text] : []));
	const phases = events.flatMap(event => (event.type === 'phase' ? [event.phase] : []));
	return {output, events, lines, phases, log};
}

describe('machine-readable parsing', () => {
	it('unescapes commas, newlines and carriage returns', () => {
		expect(parseRecord('1795563115,,ui,message,a%!(PACKER_COMMA)b\\nc\\rd')?.data).toEqual(['message', 'a,b\nc\rd']);
		expect(parseRecord('1795563115,,ui,message,    null: env=dev%!(PACKER_COMMA) version=')).toEqual({
			timestamp: 1795563115,
			target: '',
			type: 'ui',
			data: ['message', '    null: env=dev, version='],
		});
		expect(parseRecord('not machine readable')).toBeUndefined();
		expect(parseRecord('1795563359,,error-count,1')).toMatchObject({type: 'error-count', data: ['1']});
	});

	it('joins lines split anywhere across chunks, with or without CRLF', () => {
		const seen: string[] = [];
		const splitter = new LineSplitter();
		for (const chunk of ['1,,ui,say,he', 'llo\r', '\n2,,ui,say,wor', 'ld\n\n3,,ui,say,tail']) splitter.push(chunk, line => seen.push(line));
		splitter.flush(line => seen.push(line));
		expect(seen).toEqual(['1,,ui,say,hello', '2,,ui,say,world', '3,,ui,say,tail']);
	});

	it.each(machineReadable)('reads %s whole, in small chunks, identically to one chunk', name => {
		const small = feed(name, [], 7);
		const whole = feed(name, [], 1 << 20);
		expect(small.lines).toEqual(whole.lines);
		expect(small.log).toEqual(whole.log);
		expect(small.lines.length).toBeGreaterThan(0);
		for (const line of small.lines) expect(line).not.toMatch(/%!\(PACKER_COMMA\)|\\n/);
	});

	it('takes the multi-region artifact id apart', () => {
		const {output} = feed('amazon-ebs.moto.multi-region.machine-readable.txt');
		expect(output.amiIds).toEqual({'us-east-1': 'ami-42517db3f40a809db', 'us-west-2': 'ami-741c28b3696f73bf8'});
		expect(output.errorCount).toBe(0);
		expect(output.failureLines()).toEqual([]);
	});

	it('keeps one AMI when the manifest post-processor repeats the artifact, and a remote ui,error is no failure', () => {
		const {output, lines, phases} = feed('packer-amazon-ebs.machine-readable.txt');
		expect(output.amiIds).toEqual({'us-east-1': 'ami-0a7f3c9e21d4b5e86'});
		expect(output.uiErrors).toEqual(['==> amazon-ebs: stop: Unknown instance:']);
		expect(output.buildErrors).toEqual([]);
		expect(output.errorCount).toBe(0);
		expect(lines).toContain('    amazon-ebs: Loaded plugins: priorities, update-motd, upgrade-helper');
		expect([...new Set(phases)]).toEqual([
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
		]);
		expect(output.tracker.leftBehind()).toEqual({ami: 'ami-0a7f3c9e21d4b5e86'});
	});

	it('follows the moto builds through their phases with the current activity', () => {
		const {events, output} = feed('amazon-ebs.moto.success.machine-readable.txt');
		expect(output.amiIds).toEqual({'us-east-1': 'ami-f40ecfc5659747bb4'});
		const phaseEvents = events.filter(event => event.type === 'phase');
		expect(phaseEvents[0]).toEqual({type: 'phase', phase: 'prevalidate', activity: 'Prevalidating any provided VPC information'});
		expect(phaseEvents.at(-1)).toEqual({type: 'phase', phase: 'clean-up', activity: 'Deleting temporary keypair...'});
		expect(phaseEvents.find(event => event.activity.startsWith('Creating AMI tags'))).toMatchObject({phase: 'wait-ami'});
	});

	it('reports the build errors of failed builds, not the ui,error summaries', () => {
		const noCredentials = feed('amazon-ebs.error-no-credentials.machine-readable.txt').output;
		expect(noCredentials.errorCount).toBe(1);
		expect(noCredentials.failureLines()).toHaveLength(1);
		expect(noCredentials.failureLines()[0]).toMatch(/^no valid credential sources for {2}found\.\n\nPlease see/);
		const notFound = feed('amazon-ebs.moto.error-source-ami-not-found.machine-readable.txt').output;
		expect(notFound.failureLines()).toEqual([
			"Error querying AMI: InvalidAMIID.NotFound: The image id '[ami-0badc0de]' does not exist\n\tstatus code: 400, request id: request-id",
		]);
		expect(notFound.amiIds).toEqual({});
		const provisioner = feed('null.provisioner-failure.machine-readable.txt').output;
		expect(provisioner.failureLines()).toEqual(['Script exited with non-zero exit status: 3.Allowed exit codes are: [0]']);
	});

	it('scrubs the leaked sensitive variable from every line, event and log line', () => {
		const {lines, log, events} = feed('null.sensitive-var-leak-and-escaping.machine-readable.txt', ['SECRETLOG']);
		expect(lines).toContain('    null: token=***');
		expect(lines).toContain('    null: env=dev, version=');
		expect(JSON.stringify(events)).not.toContain('SECRETLOG');
		expect(log.join('\n')).not.toContain('SECRETLOG');
		expect(log.join('\n')).toContain('null: token=***');
	});

	it('scrubs secrets in their escaped forms', () => {
		const scrub = createScrubber(['pa,ss\nword', 'SECRETLOG']);
		const raw = '1795563115,,ui,message,    null: a=pa%!(PACKER_COMMA)ss\\nword b=SECRETLOG';
		const {lines, log} = (() => {
			const seen: string[] = [];
			const logged: string[] = [];
			const output = new PackerOutput(
				scrub,
				event => event.type === 'line' && seen.push(event.text),
				line => logged.push(line),
			);
			output.push(raw);
			return {lines: seen, log: logged};
		})();
		expect(lines).toEqual(['    null: a=*** b=***']);
		expect(log.join('')).not.toMatch(/pa|SECRETLOG/);
		expect(scrub('pa,ss\nword')).toBe('***');
	});

	it('recognises the clean cancellation after SIGINT', () => {
		const {output, lines} = feed('null.sigint.machine-readable.txt');
		expect(output.cancelled).toBe(true);
		expect(lines).toContain('Cancelling build after receiving interrupt');
		expect(output.errorCount).toBe(0);
	});

	it('reads the AMI of the artifact id the manifest post-processor records, and none from a null builder or an untyped artifact', () => {
		const manifest = JSON.parse(readFileSync(join(FIXTURES, 'packer-manifest.sample.json'), 'utf8')) as {
			builds: Array<{artifact_id: string}>;
		};
		const artifact = (id: string, builderId: string | null = 'mitchellh.amazonebs') => {
			const output = new PackerOutput(createScrubber([]));
			if (builderId) output.push(`1795563115,amazon-ebs,artifact,0,builder-id,${builderId}`);
			output.push(`1795563115,amazon-ebs,artifact,0,id,${id.replaceAll(',', '%!(PACKER_COMMA)')}`);
			return output.amiIds;
		};
		expect(artifact(manifest.builds[0]!.artifact_id)).toEqual({'us-east-1': 'ami-0a7f3c9e21d4b5e86'});
		expect(artifact('Null', 'fnoeding.null')).toEqual({});
		expect(artifact(manifest.builds[0]!.artifact_id, null)).toEqual({});
		expect(artifact('us-east-1:ami-0a7f3c9e21d4b5e86', 'packer.post-processor.checksum')).toEqual({});
	});

	it('takes human-readable output for what it is: no records, every line passed on as plain text', () => {
		const text = readFileSync(join(FIXTURES, 'amazon-ebs.moto.success.human-readable.txt'), 'utf8');
		const lines = text.split('\n').filter(Boolean);
		for (const line of lines) expect(parseRecord(line)).toBeUndefined();
		const events: PackerOutputEvent[] = [];
		const output = new PackerOutput(createScrubber([]), event => events.push(event));
		for (const line of lines) output.push(line);
		expect(events.every(event => event.type === 'line' && event.level === 'stderr')).toBe(true);
		expect(output.amiIds).toEqual({});
	});

	it('passes plain (not machine-readable) lines on as stderr lines', () => {
		const events: PackerOutputEvent[] = [];
		const output = new PackerOutput(createScrubber(['tok']), event => events.push(event));
		output.push('Error: Failed to parse template tok');
		expect(events).toEqual([{type: 'line', level: 'stderr', text: 'Error: Failed to parse template ***'}]);
		expect(output.failureLines()).toEqual(['Error: Failed to parse template ***']);
	});
});
