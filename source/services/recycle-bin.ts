import {createHash, createHmac} from 'node:crypto';
import type {EC2Client} from '@aws-sdk/client-ec2';

/** A Recycle Bin retention rule for EC2 images (rbin ListRules). */
export interface RecycleBinRule {
	id: string;
	description: string;
	/** How long a deregistered AMI can be restored, e.g. `7 days`. */
	retention: string;
	/** Tags an AMI must carry to be covered (`Key=Value`); empty: every AMI of the region. */
	resourceTags: string[];
	excludedTags: string[];
}

interface ListRulesResponse {
	Rules?: Array<{
		Identifier?: string;
		Description?: string;
		Status?: string;
		RetentionPeriod?: {RetentionPeriodValue?: number; RetentionPeriodUnit?: string};
		ResourceTags?: Array<{ResourceTagKey?: string; ResourceTagValue?: string}>;
		ExcludeResourceTags?: Array<{ResourceTagKey?: string; ResourceTagValue?: string}>;
	}>;
	NextToken?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();

/** Signature Version 4 headers of a JSON POST (no client for Recycle Bin is installed: it is signed here). */
function signedHeaders(
	url: URL,
	body: string,
	region: string,
	credentials: {accessKeyId: string; secretAccessKey: string; sessionToken?: string},
	now: Date,
): Record<string, string> {
	const amzDate = now
		.toISOString()
		.replace(/[-:]/g, '')
		.replace(/\.\d{3}/, '');
	const day = amzDate.slice(0, 8);
	const headers: Record<string, string> = {
		'content-type': 'application/json',
		host: url.host,
		'x-amz-date': amzDate,
		...(credentials.sessionToken ? {'x-amz-security-token': credentials.sessionToken} : {}),
	};
	const names = Object.keys(headers).sort();
	const canonical = ['POST', url.pathname, '', ...names.map(name => `${name}:${headers[name]}`), '', names.join(';'), sha256(body)].join(
		'\n',
	);
	const scope = `${day}/${region}/rbin/aws4_request`;
	const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
	const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), 'rbin'), 'aws4_request');
	const signature = createHmac('sha256', key).update(toSign).digest('hex');
	const {host: _host, ...sent} = headers;
	return {
		...sent,
		authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
	};
}

const tagsOf = (tags: Array<{ResourceTagKey?: string; ResourceTagValue?: string}> = []) =>
	tags.map(tag => (tag.ResourceTagValue ? `${tag.ResourceTagKey}=${tag.ResourceTagValue}` : `${tag.ResourceTagKey ?? ''}`));

/**
 * The Recycle Bin rules for EC2 images in the EC2 client's account and region, with its credentials.
 * `endpoint`: `AWS_ENDPOINT_URL_RBIN` (or the rehearsal's stand-in); default the regional endpoint.
 */
export async function recycleBinImageRules(ec2: EC2Client, endpoint: string | undefined): Promise<RecycleBinRule[]> {
	const region = await ec2.config.region();
	const credentials = await ec2.config.credentials();
	const url = new URL('/list-rules', endpoint ?? `https://rbin.${region}.amazonaws.com`);
	const rules: RecycleBinRule[] = [];
	let nextToken: string | undefined;
	do {
		const body = JSON.stringify({ResourceType: 'EC2_IMAGE', ...(nextToken ? {NextToken: nextToken} : {})});
		const response = await fetch(url, {method: 'POST', headers: signedHeaders(url, body, region, credentials, new Date()), body});
		const text = await response.text();
		if (!response.ok) {
			const type = response.headers.get('x-amzn-errortype')?.split(':')[0] ?? `HTTP ${response.status}`;
			throw new Error(`${type}: ${(JSON.parse(text || '{}') as {message?: string; Message?: string}).message ?? text.slice(0, 200)}`);
		}
		const page = JSON.parse(text) as ListRulesResponse;
		for (const rule of page.Rules ?? []) {
			if (rule.Status && rule.Status !== 'available') continue;
			const period = rule.RetentionPeriod;
			rules.push({
				id: rule.Identifier ?? '',
				description: rule.Description ?? '',
				retention: `${period?.RetentionPeriodValue ?? '?'} ${(period?.RetentionPeriodUnit ?? 'DAYS').toLowerCase()}`,
				resourceTags: tagsOf(rule.ResourceTags),
				excludedTags: tagsOf(rule.ExcludeResourceTags),
			});
		}
		nextToken = page.NextToken;
	} while (nextToken);
	return rules;
}
