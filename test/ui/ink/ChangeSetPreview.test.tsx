import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import {ChangeSetPreview} from '../../../source/ui/ink/ChangeSetPreview';
import {initialStackView, reduceStackView} from '../../../source/ui/stack-view';

describe('ChangeSetPreview', () => {
	it('shows the parameter diff with NoEcho masked, the resource changes with Replacement, the instances replaced and the dropped parameters', () => {
		const state = reduceStackView(initialStackView(), {
			type: 'change-set',
			step: 'update-stack',
			stackName: 'convox-dev',
			changeSetName: 'convox-ami-run-1',
			parameters: [
				{key: 'Ami', old: 'ami-3e1f2a9b', new: 'ami-0a7f3c9e21d4b5e86', masked: false},
				{key: 'Version', old: '20160323012659', new: '20160916121812', masked: false},
				{key: 'InstanceCount', old: '3', new: '3', masked: false},
				{key: 'Password', old: '****', new: '****', masked: true},
				{key: 'LibratoToken', new: '****', masked: true},
				{key: 'SwapSize', new: '5', masked: false},
			],
			changes: [
				{logicalId: 'LaunchConfiguration', resourceType: 'AWS::AutoScaling::LaunchConfiguration', action: 'Modify', replacement: 'True'},
				{logicalId: 'Instances', resourceType: 'AWS::AutoScaling::AutoScalingGroup', action: 'Modify', replacement: 'False'},
			],
			dropped: ['Certificate', 'RegistryHost'],
			runId: 'run-1',
			at: '2026-11-25T01:00:00.000Z',
		});
		if (!state.changeSet) throw new Error('no change set in the view');
		const {lastFrame, unmount} = render(<ChangeSetPreview changeSet={state.changeSet} />);
		const frame = lastFrame() ?? '';
		unmount();
		expect(frame).toContain('Change set convox-ami-run-1 on convox-dev');
		expect(frame).toContain('Ami: ami-3e1f2a9b → ami-0a7f3c9e21d4b5e86');
		expect(frame).toContain('Version: 20160323012659 → 20160916121812');
		expect(frame).toContain('LibratoToken: (none) → **** (NoEcho)');
		expect(frame).toContain('SwapSize: (none) → 5');
		expect(frame).toContain('2 other parameter(s) unchanged');
		expect(frame).not.toContain('InstanceCount:');
		expect(frame).toContain('dropped by the new template: Certificate, RegistryHost');
		expect(frame).toContain('Modify LaunchConfiguration AWS::AutoScaling::LaunchConfiguration replacement: True');
		expect(frame).toContain('Modify Instances AWS::AutoScaling::AutoScalingGroup replacement: False');
		expect(frame).toContain('3 instance(s) will be replaced.');
	});
});
