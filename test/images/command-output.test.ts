import {describe, expect, it} from 'vitest';
import type {ImagePlace} from '../../source/images/image-places';
import type {ImageRow} from '../../source/images/image-usage';
import {printImageListing} from '../../source/images/list-images';
import {pruneOutputOn} from '../../source/images/run-prune';
import {recordingConsole} from '../support/recording-console';

const place = {accountId: '111111111111', region: 'eu-west-1'} as ImagePlace;
const row = {imageId: 'ami-1', region: 'eu-west-1', account: 'dev', name: 'convox-dev-ami-1', ageDays: 3} as ImageRow;

describe('what images and prune write where', () => {
	it('images: with --json stdout holds only images, so "none found" goes to stderr', () => {
		const plain = recordingConsole();
		printImageListing([], [place], false, plain);
		expect(plain).toMatchObject({stdout: 'No AMI made by convox-ami in 111111111111 eu-west-1.\n', stderr: ''});
		const json = recordingConsole();
		printImageListing([], [place], true, json);
		expect(json).toMatchObject({stdout: '', stderr: 'No AMI made by convox-ami in 111111111111 eu-west-1.\n'});
		const one = recordingConsole();
		printImageListing([row], [place], true, one);
		expect(JSON.parse(one.stdout)).toMatchObject({imageId: 'ami-1'});
	});

	it('prune: with --json the words go to stderr, the events to stdout, the tables nowhere', () => {
		const json = recordingConsole();
		const jsonOutput = pruneOutputOn(json, true);
		jsonOutput.say('Deprecating 1 image.');
		jsonOutput.show('IMAGE  STAGE');
		jsonOutput.emit({type: 'prune-step', imageId: 'ami-1'});
		expect(json).toMatchObject({stdout: '{"type":"prune-step","imageId":"ami-1"}\n', stderr: 'Deprecating 1 image.\n'});
		const plain = recordingConsole();
		const plainOutput = pruneOutputOn(plain, false);
		plainOutput.say('Deprecating 1 image.');
		plainOutput.show('IMAGE  STAGE');
		plainOutput.emit({type: 'prune-step'});
		plainOutput.warn('! a stack was not read');
		expect(plain).toMatchObject({stdout: 'Deprecating 1 image.\nIMAGE  STAGE\n', stderr: '! a stack was not read\n'});
	});
});
