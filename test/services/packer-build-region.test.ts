import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startAwsStandIn, type AwsStandIn} from '../../source/rehearsal/aws-stand-in';
import {createAwsClients} from '../../source/services/aws-clients';
import {buildRegionOf, sameImageIn} from '../../source/services/packer-build-region';
import {readHcl2Template} from '../../source/services/packer-template-hcl2';
import {inspectTemplate, type TemplateBuilder} from '../../source/services/packer-template-inspection';

/** A seed-style operator template: the builder's region from its own `aws_region` variable, default us-east-1. */
const SEED_JSON = {
	variables: {aws_region: 'us-east-1', source_ami: 'ami-6bb2d67c'},
	builders: [
		{type: 'null', communicator: 'none'},
		{type: 'amazon-ebs', region: '{{user `aws_region`}}', source_ami: '{{user `source_ami`}}'},
	],
};
const SEED_HCL2 = `
variable "aws_region" {
  type    = string
  default = "us-east-1"
}
source "amazon-ebs" "convox" {
  region        = var.aws_region
  source_ami    = "ami-6bb2d67c"
  instance_type = "t2.micro"
  ssh_username  = "ec2-user"
  ami_name      = "convox"
}
source "amazon-ebs" "wired" {
  region        = "us-east-1"
  source_ami    = "ami-6bb2d67c"
  instance_type = "t2.micro"
  ssh_username  = "ec2-user"
  ami_name      = "convox"
}
locals {
  r = "ap-south-1"
}
source "amazon-ebs" "local" {
  region        = local.r
  source_ami    = "ami-6bb2d67c"
  instance_type = "t2.micro"
  ssh_username  = "ec2-user"
  ami_name      = "convox"
}
build {
  sources = ["source.amazon-ebs.convox"]
}
`;

let folder: string;
beforeAll(async () => {
	folder = await mkdtemp(path.join(tmpdir(), 'convox-ami-build-region-'));
});
afterAll(async () => {
	await rm(folder, {recursive: true, force: true});
});

const ami = (region: TemplateBuilder['region'], makesAmi = true): TemplateBuilder => ({
	index: 0,
	name: 'amazon-ebs',
	type: makesAmi ? 'amazon-ebs' : 'null',
	makesAmi,
	releaseRunTag: false,
	sharing: [],
	...(region ? {region} : {}),
});

describe("the builder's region, as the template writes it", () => {
	it('JSON: {{user `aws_region`}} is the variable aws_region; a builder without region names none', () => {
		const inspection = inspectTemplate({path: 'seed.json', text: JSON.stringify(SEED_JSON)});
		expect(inspection.builders.map(builder => builder.region)).toEqual([undefined, {variable: 'aws_region'}]);
		const written = inspectTemplate({path: 'w.json', text: JSON.stringify({builders: [{type: 'amazon-ebs', region: 'us-east-1'}]})});
		expect(written.builders[0]!.region).toEqual({literal: 'us-east-1'});
		const env = inspectTemplate({path: 'e.json', text: JSON.stringify({builders: [{type: 'amazon-ebs', region: '{{env `R`}}'}]})});
		expect(env.builders[0]!.region).toEqual({expression: '{{env `R`}}'});
	});

	it('HCL2, parsed by the HCL parser: var.aws_region, a literal, a local', async () => {
		const file = path.join(folder, 'seed.pkr.hcl');
		await writeFile(file, SEED_HCL2);
		const {inspection} = await readHcl2Template(file);
		expect(Object.fromEntries(inspection.builders.map(builder => [builder.name, builder.region]))).toEqual({
			'amazon-ebs.convox': {variable: 'aws_region'},
			'amazon-ebs.wired': {literal: 'us-east-1'},
			'amazon-ebs.local': {expression: '${local.r}'},
		});
	});
});

describe('buildRegionOf: where Packer builds for a rack in eu-west-1', () => {
	it("through the variable that feeds the first AMI builder's region", () => {
		expect(buildRegionOf([ami(undefined, false), ami({variable: 'aws_region'})], 'eu-west-1')).toEqual({
			region: 'eu-west-1',
			variable: 'aws_region',
		});
	});

	it('where a region written in the template says, when it is not the rack’s; else in the rack’s', () => {
		expect(buildRegionOf([ami({literal: 'us-east-1'})], 'eu-west-1')).toEqual({region: 'us-east-1', hardWired: true});
		expect(buildRegionOf([ami({literal: 'eu-west-1'})], 'eu-west-1')).toEqual({region: 'eu-west-1'});
		expect(buildRegionOf([ami(undefined)], 'eu-west-1')).toEqual({region: 'eu-west-1'});
		expect(buildRegionOf([ami({literal: 'us-east-1'}, false)], 'eu-west-1')).toEqual({region: 'eu-west-1'});
		expect(buildRegionOf([ami({expression: '${local.r}'})], 'eu-west-1')).toEqual({region: 'eu-west-1', expression: '${local.r}'});
	});

	it('of several AMI builders, the one fed by a variable, then one in the rack region, wins over one written elsewhere', () => {
		const wired = ami({literal: 'us-east-1'});
		expect(buildRegionOf([wired, ami({variable: 'aws_region'})], 'eu-west-1')).toEqual({region: 'eu-west-1', variable: 'aws_region'});
		expect(buildRegionOf([wired, ami({literal: 'eu-west-1'})], 'eu-west-1')).toEqual({region: 'eu-west-1'});
		expect(buildRegionOf([wired, ami({literal: 'ap-south-1'})], 'eu-west-1')).toEqual({region: 'us-east-1', hardWired: true});
	});
});

describe('sameImageIn: the base AMI of another region, over the wire to the EC2 stand-in', () => {
	let aws: AwsStandIn | undefined;
	afterAll(async () => aws?.close());

	it('finds the image of the same owner and name, and none for an image published in one region only', async () => {
		aws = await startAwsStandIn();
		const base = {name: 'amzn-ami-2016.03.h-amazon-ecs-optimized', ownerId: '591542846629', ownerAlias: 'amazon', public: true};
		aws.state.registerImage({...base, imageId: 'ami-078df974', region: 'eu-west-1'});
		aws.state.registerImage({...base, imageId: 'ami-6bb2d67c', region: 'us-east-1'});
		aws.state.registerImage({
			...base,
			imageId: 'ami-0f00000000000beef',
			region: 'us-east-1',
			ownerId: '999999999999',
			ownerAlias: undefined,
		});
		aws.state.registerImage({
			name: 'only-in-eu',
			ownerId: '591542846629',
			public: true,
			imageId: 'ami-0e0000000000000e1',
			region: 'eu-west-1',
		});
		const clients = await createAwsClients({
			region: 'eu-west-1',
			endpoint: aws.url,
			credentials: {accessKeyId: 'AKIAREHEARSAL0000000', secretAccessKey: 'rehearsal-secret'},
		});
		expect(await sameImageIn(clients.ec2, clients.ec2For('us-east-1'), 'ami-078df974')).toEqual({amiId: 'ami-6bb2d67c', name: base.name});
		expect(await sameImageIn(clients.ec2, clients.ec2For('us-east-1'), 'ami-0e0000000000000e1')).toBeUndefined();
	});
});
