import {replaceFile} from '../core/atomic-file';
import {renderReport, type ImageHoldings} from './report';
import type {Run} from '../core/types';

/** The release record, written when the run ends (replaced on every resume). */
export async function writeReport(run: Run, file: string, holdings?: ImageHoldings): Promise<void> {
	await replaceFile(file, renderReport(run, holdings));
}
