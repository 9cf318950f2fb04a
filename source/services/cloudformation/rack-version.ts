import type {CloudFormationClient} from '@aws-sdk/client-cloudformation';
import {StepFailedError, UsageError, errorText} from '../../core/errors';
import {describeStack, parameterValue, StackNotFoundError} from './stack';

/** A fleet's rack as its stack is found: the config's account name, its stack, account and region. */
export interface RackStackPlace {
	name: string;
	stackName: string;
	accountId: string;
	region: string;
}

/** The Convox version a fleet's rack runs now (its stack's Version), or why it cannot be read, with what to do. */
export async function rackStackVersion(
	cloudformation: CloudFormationClient,
	rack: RackStackPlace,
	fleet: string,
	signal: AbortSignal,
): Promise<string | undefined> {
	try {
		return parameterValue(await describeStack(cloudformation, rack.stackName, signal), 'Version');
	} catch (error) {
		if (error instanceof StackNotFoundError) {
			throw new UsageError(
				`The stack ${rack.stackName} of rack ${rack.name} does not exist in account ${rack.accountId} (${rack.region}).`,
				`Check accounts.${rack.name}.stackName and its region, or take ${rack.name} out of fleets.${fleet}.`,
			);
		}
		signal.throwIfAborted();
		throw new StepFailedError(
			`Cannot read the stack ${rack.stackName} of rack ${rack.name}: ${errorText(error)}`,
			'Check the network and permissions, then run `convox-ami resume`.',
		);
	}
}
