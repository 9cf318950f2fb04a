import type {Run} from '../../source/core/types';
import {createRun} from '../../source/workflow/plan';

/** A new live release run of `account` in us-east-1, not a dry run, no step started. */
export const newReleaseRun = (id: string, account = 'dev'): Run =>
	createRun({
		id,
		kind: 'release',
		account,
		mode: 'live',
		production: false,
		options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
	});
