import {readFileSync} from 'node:fs';
import {DescribeImagesCommand} from '@aws-sdk/client-ec2';
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm';
import {afterEach, describe, expect, it} from 'vitest';
import {ecsAmiParameters, ecsOptimizedImages, startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {getParameter} from '../../source/services/ssm-parameters';
import {clientConfig, clients} from './aws-clients';

const ssmFixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/ssm/${name}`, import.meta.url), 'utf8'));
const AL2 = '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id';

let aws: AwsStandIn | undefined;
afterEach(async () => aws?.close());

describe('the SSM stand-in (JSON protocol, AmazonSSM.GetParameter)', () => {
	it('answers GetParameter as SSM does, to the real SDK', async () => {
		aws = await startAwsStandIn({ssmParameters: ecsAmiParameters, images: ecsOptimizedImages});
		const ssm = new SSMClient(clientConfig(aws.url));
		const {Parameter} = await ssm.send(new GetParameterCommand({Name: AL2}));
		const real = ssmFixture('get-parameter.ecs-al2-recommended-image-id.json').Parameter;
		expect(Parameter).toMatchObject({
			Name: real.Name,
			Type: real.Type,
			Value: real.Value,
			ARN: real.ARN,
			DataType: real.DataType,
			Version: expect.any(Number),
		});
		expect(Parameter?.LastModifiedDate).toBeInstanceOf(Date);
		expect(aws.calls.at(-1)).toMatchObject({service: 'ssm', action: 'GetParameter', params: {Name: AL2}});
	});

	it('answers an unknown name with the ParameterNotFound error of the fixture', async () => {
		aws = await startAwsStandIn({ssmParameters: ecsAmiParameters});
		const ssm = new SSMClient(clientConfig(aws.url));
		const error = await ssm.send(new GetParameterCommand({Name: '/no/such/parameter'})).catch((caught: unknown) => caught as Error);
		expect((error as Error).name).toBe(ssmFixture('get-parameter.not-found.error.json').__type);
		expect(await getParameter(ssm, '/no/such/parameter')).toEqual({kind: 'not-found'});
		expect(await getParameter(ssm, AL2)).toEqual({kind: 'found', value: ecsAmiParameters[AL2], version: 1});
		expect(aws.calls.map(call => call.error)).toEqual(['ParameterNotFound', 'ParameterNotFound', undefined]);
	});

	it('gives the ECS-optimized images their architecture, and an image registered from one inherits it', async () => {
		aws = await startAwsStandIn({images: ecsOptimizedImages});
		const arm = ecsOptimizedImages.find(image => image.architecture === 'arm64')!;
		const built = aws.state.registerImage({name: 'convox-dev-1', tags: {SourceAmi: arm.imageId!, ReleaseRun: 'run-1'}});
		const {ec2} = clients(aws.url);
		const {Images} = await ec2.send(new DescribeImagesCommand({ImageIds: [arm.imageId!, built.imageId]}));
		expect(Images?.map(image => image.Architecture)).toEqual(['arm64', 'arm64']);
	});
});
