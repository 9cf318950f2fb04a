/**
 * A tiny client for the rehearsal's own tools (the Packer replay, the convox stand-in): one
 * query-protocol POST to the loopback AWS stand-in, signed only as far as it reads (the key id).
 */
export async function standInQuery(
	environment: NodeJS.ProcessEnv,
	endpointVariable: string,
	params: Record<string, string>,
	region = environment.AWS_REGION ?? 'us-east-1',
): Promise<string> {
	const endpoint = environment[endpointVariable];
	if (!endpoint) throw new Error(`${endpointVariable} is not set: the rehearsal tools only talk to the rehearsal's stand-in.`);
	const response = await fetch(endpoint, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
			authorization: `AWS4-HMAC-SHA256 Credential=${environment.AWS_ACCESS_KEY_ID ?? 'REHEARSAL'}/20260101/${region}/rehearsal/aws4_request`,
		},
		body: new URLSearchParams(params).toString(),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`The stand-in answered HTTP ${response.status}: ${text}`);
	return text;
}

export function xmlValue(xml: string, tag: string): string | undefined {
	return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}
