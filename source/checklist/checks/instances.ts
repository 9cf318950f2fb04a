import {judgeInstances, listRackInstances} from '../../services/probes/instances';
import type {CheckDeclaration} from '../declaration';

export const instancesCheck: CheckDeclaration = {
	id: 'instances',
	title: 'Instances run the new AMI',
	passesWhen: 'every running instance of the stack runs the new AMI',
	runs: 'auto',
	reads: ['stackName'],
	secrets: [],
	body: ({services, targets}) => ({
		kind: 'auto',
		async probe(signal) {
			const {ec2} = await services.aws();
			const instances = await listRackInstances(ec2, targets.stackName, signal);
			return judgeInstances(instances, targets.stackName, targetAmiId(targets));
		},
	}),
};

/** The AMI the rack's instances should run: the released one, or the stock AMI when the Ami parameter is empty. */
export function targetAmiId(targets: {amiId: string; stockAmiId?: string}): string {
	return targets.amiId || targets.stockAmiId || '';
}
