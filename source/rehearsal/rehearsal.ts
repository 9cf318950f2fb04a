import type {LoadedConfig} from '../config/load-config';
import {UsageError} from '../workflow/errors';

export interface Rehearsal {
	config: LoadedConfig;
	env: NodeJS.ProcessEnv;
	awsEndpoint: string;
	stop(): Promise<void>;
}

export async function startRehearsal(stateDir: string): Promise<Rehearsal> {
	throw new UsageError(`--rehearse is not available yet (state dir ${stateDir} untouched).`);
}
