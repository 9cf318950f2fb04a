import {describeStack, forgetStack} from '../../services/cloudformation/stack';
import {runConvox} from '../../services/probes/convox-cli';
import {fail} from '../../services/probes/outcome';
import {judgeConvoxRack, judgeRack, judgeStack} from '../../services/probes/rack';
import type {CheckDeclaration} from '../declaration';
import {retried} from '../setup';

export const rackCheck: CheckDeclaration = {
	id: 'rack',
	title: 'Rack runs the released version',
	passesWhen: '`convox rack` shows `running` and the new Version, and the stack is UPDATE_COMPLETE with the new Ami and Version',
	runs: 'auto',
	reads: ['rack', 'stackName'],
	secrets: [],
	planFor: account => ({
		runs: 'auto',
		passesWhen: `\`convox rack${account.rack ? ` --rack ${account.rack}` : ''}\` shows \`running\` and the new Version, and the stack is UPDATE_COMPLETE with the new Ami and Version`,
	}),
	body: setup => ({
		kind: 'auto',
		probe: (signal, progress) =>
			retried(setup, signal, progress, async () => {
				const {services, account, targets} = setup;
				const {cloudformation} = await services.aws();
				const convoxRack = async () => {
					// The rack's API describes its stack for `convox rack`: a CloudFormation call of the account and region like ours.
					await services.cloudFormationTurn?.();
					return runConvox(services.binaries.convox, ['rack'], {rack: account.rack, environment: services.environment, signal});
				};
				const [convox, stack] = await Promise.all([
					convoxRack(),
					// The verify step's read of a moment ago stands for this one, unless it falls short: a retry reads again.
					describeStack(cloudformation, targets.stackName, signal, {reuse: true}).then(
						snapshot => {
							const judged = judgeStack(snapshot, targets);
							if (judged.status !== 'pass') forgetStack(cloudformation, targets.stackName);
							return judged;
						},
						(error: Error) => fail(`DescribeStacks ${targets.stackName}: ${error.message}`),
					),
				]);
				return judgeRack(judgeConvoxRack(convox, targets.convoxVersion), stack);
			}),
	}),
};
