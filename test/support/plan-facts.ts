import type {PlanFacts} from '../../source/core/plan-facts';

const account = {accountId: '222222222222', stackName: 'convox-prod', production: true, profile: 'prod', checks: []};

/** What `plan` knows of a production account `prod` whose version and base AMI are resolved. */
export const PROD_PLAN_FACTS = {
	config: {region: 'us-east-1', accounts: {prod: account}},
	configDir: '/srv/ami',
	accountName: 'prod',
	account,
	region: 'us-east-1',
	releasesUrl: 'https://releases.example',
	resolved: {version: '20160916121812', sourceAmi: 'ami-6bb2d67c'},
	templatePath: '/srv/ami/packer/packer.json',
	knownSecret: () => false,
} as unknown as PlanFacts;
