import http from 'node:http';
import type {AddressInfo} from 'node:net';

export type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/** A loopback HTTP server on a free port for one test. */
export async function startHttpServer(handler: Handler): Promise<{url: string; requests: string[]; close(): Promise<void>}> {
	const requests: string[] = [];
	const server = http.createServer((request, response) => {
		requests.push(request.url ?? '');
		handler(request, response);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		close: () =>
			new Promise(resolve => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
