import type {IncomingMessage, ServerResponse} from 'node:http';
import {listenOnLoopback} from '../../source/rehearsal/loopback-server';

export interface Loopback {
	url: string;
	requests: IncomingMessage[];
	close(): Promise<void>;
}

/** The rehearsal's loopback server (127.0.0.1, a free port), recording the requests it served. */
export async function serve(handler: (request: IncomingMessage, response: ServerResponse, index: number) => void): Promise<Loopback> {
	const requests: IncomingMessage[] = [];
	const server = await listenOnLoopback((request, response) => {
		requests.push(request);
		handler(request, response, requests.length - 1);
	});
	return {url: server.url, requests, close: server.close};
}

export function reply(response: ServerResponse, status: number, body: unknown = ''): void {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	response.writeHead(status, {'content-type': typeof body === 'string' ? 'text/plain' : 'application/json'});
	response.end(text);
}
