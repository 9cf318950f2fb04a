import {randomBytes, timingSafeEqual} from 'node:crypto';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {AwsCredentialIdentity} from '@aws-sdk/types';
import {errorText} from '../../core/errors';

/** Where Packer asks for credentials: aws-sdk-go's container-credentials endpoint, on loopback. */
export interface CredentialsEndpointAddress {
	/** `AWS_CONTAINER_CREDENTIALS_FULL_URI`. */
	url: string;
	/** `AWS_CONTAINER_AUTHORIZATION_TOKEN`: random per endpoint, held in memory and Packer's environment only. */
	token: string;
}

export interface CredentialsEndpoint extends CredentialsEndpointAddress {
	close(): Promise<void>;
}

const PATH = '/packer-credentials';

function sameToken(given: string | undefined, token: string): boolean {
	if (given === undefined) return false;
	const a = Buffer.from(given);
	const b = Buffer.from(token);
	return a.length === b.length && timingSafeEqual(a, b);
}

function reply(response: ServerResponse, status: number, body: object): void {
	response.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body));
}

/**
 * Serves the account's credentials to Packer as an ECS-style container-credentials endpoint
 * (`{AccessKeyId, SecretAccessKey, Token, Expiration}`), so a build that outlives one session gets
 * the next: aws-sdk-go asks again once the served credentials are within 5 minutes of their
 * expiration, and `resolve` (the SDK's provider of the account) refreshes them. Listens on
 * 127.0.0.1 only and answers only requests carrying the token.
 */
export async function serveCredentials(resolve: () => Promise<AwsCredentialIdentity>): Promise<CredentialsEndpoint> {
	const token = randomBytes(32).toString('base64url');
	const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
		if (request.method !== 'GET' || request.url !== PATH) return reply(response, 404, {code: 'NotFound', message: 'Not found.'});
		if (!sameToken(request.headers.authorization, token))
			return reply(response, 403, {code: 'AccessDenied', message: 'The authorization token is missing or wrong.'});
		let credentials: AwsCredentialIdentity;
		try {
			credentials = await resolve();
		} catch (error) {
			return reply(response, 500, {
				code: 'CredentialsUnavailable',
				message: `Could not refresh the account's credentials: ${errorText(error)}`,
			});
		}
		reply(response, 200, {
			AccessKeyId: credentials.accessKeyId,
			SecretAccessKey: credentials.secretAccessKey,
			...(credentials.sessionToken ? {Token: credentials.sessionToken} : {}),
			...(credentials.expiration ? {Expiration: credentials.expiration.toISOString()} : {}),
		});
	};
	const server = createServer((request, response) => void answer(request, response));
	await new Promise<void>((listening, failed) => {
		server.once('error', failed);
		server.listen(0, '127.0.0.1', listening);
	});
	// It serves while the CLI runs; it never keeps the CLI alive by itself.
	server.unref();
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}${PATH}`,
		token,
		close: () =>
			new Promise(closed => {
				server.closeAllConnections();
				server.close(() => closed());
			}),
	};
}
