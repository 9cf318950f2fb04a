import {createServer, type RequestListener} from 'node:http';
import type {AddressInfo} from 'node:net';

export interface LoopbackServer {
	url: string;
	port: number;
	close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (port 0: a free one), as every rehearsal stand-in is. */
export async function listenOnLoopback(handler: RequestListener, port = 0): Promise<LoopbackServer> {
	const server = createServer(handler);
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	const address = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${address}`,
		port: address,
		close: () =>
			new Promise<void>(resolve => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
