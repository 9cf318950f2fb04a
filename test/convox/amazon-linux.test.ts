import {describe, expect, it} from 'vitest';
import {amazonLinuxOf, baseEraNotice} from '../../source/convox/amazon-linux';

describe('amazonLinuxOf', () => {
	it('tells the release from the SSM parameter path of current templates', () => {
		expect(amazonLinuxOf({parameterPath: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id'})).toBe('al2');
		expect(amazonLinuxOf({parameterPath: '/aws/service/ecs/optimized-ami/amazon-linux-2/arm64/recommended/image_id'})).toBe('al2');
		expect(amazonLinuxOf({parameterPath: '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id'})).toBe('al2023');
	});

	it('tells it from the image name of the ECS-optimized AMIs, and says nothing of an image it does not know', () => {
		expect(amazonLinuxOf({imageName: 'amzn-ami-2016.03.i-amazon-ecs-optimized'})).toBe('al1');
		expect(amazonLinuxOf({imageName: 'amzn2-ami-ecs-hvm-2.0.20261118-x86_64-ebs'})).toBe('al2');
		expect(amazonLinuxOf({imageName: 'al2023-ami-ecs-hvm-2023.0.20261120-kernel-6.1-arm64'})).toBe('al2023');
		expect(amazonLinuxOf({imageName: 'ubuntu-jammy-22.04'})).toBeUndefined();
		expect(amazonLinuxOf({})).toBeUndefined();
	});
});

describe('baseEraNotice', () => {
	it('names Amazon Linux 2’s end of support and the Convox version that moves to Amazon Linux 2023', () => {
		expect(baseEraNotice('al2', 'cloudwatch')).toMatch(/end of support on 2026-06-30\. Convox 20260708102410 moves .* Amazon Linux 2023/);
	});

	it('warns of Amazon Linux 1 only where the CloudWatch agent would be installed, and says nothing of Amazon Linux 2023', () => {
		expect(baseEraNotice('al1', 'cloudwatch')).toContain('cannot run the CloudWatch agent');
		expect(baseEraNotice('al1', 'librato')).toBeUndefined();
		expect(baseEraNotice('al2023', 'cloudwatch')).toBeUndefined();
	});
});
