import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';

export interface Loopback {
	url: string;
	requests: IncomingMessage[];
	close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1, on a free port, recording the requests it served. */
export async function serve(handler: (request: IncomingMessage, response: ServerResponse, index: number) => void): Promise<Loopback> {
	const requests: IncomingMessage[] = [];
	const server = createServer((request, response) => {
		requests.push(request);
		handler(request, response, requests.length - 1);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		close: () =>
			new Promise<void>(resolve => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

export function reply(response: ServerResponse, status: number, body: unknown = ''): void {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	response.writeHead(status, {'content-type': typeof body === 'string' ? 'text/plain' : 'application/json'});
	response.end(text);
}
