import {CancelUpdateStackCommand, type CloudFormationClient} from '@aws-sdk/client-cloudformation';
import {forgetStack} from './stack';

/** Asks CloudFormation to stop the update and roll back; the rollback then runs on its own. */
export async function cancelUpdate(client: CloudFormationClient, stackName: string): Promise<void> {
	forgetStack(client, stackName);
	await client.send(new CancelUpdateStackCommand({StackName: stackName}));
}
