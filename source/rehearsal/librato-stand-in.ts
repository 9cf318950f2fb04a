import type {RequestListener} from 'node:http';

export interface LibratoStandInOptions {
	/** The Librato source of the measurements, as a rack's instances report it (`aws.RACK.INSTANCE`). */
	source: string;
	/** The only account answered; others get 401, as Librato does for a wrong token. Unset: every caller is answered. */
	account?: {email: string; token: string};
}

/**
 * Librato's measurements API (`GET /v1/measurements/...`): two fresh CPU measurements of one source, the
 * last of this very second rounded up, so it is newer than a stack update that just completed.
 */
export function libratoStandIn({source, account}: LibratoStandInOptions): RequestListener {
	const authorization = account && `Basic ${Buffer.from(`${account.email}:${account.token}`).toString('base64')}`;
	return (request, response) => {
		const now = Math.ceil(Date.now() / 1000);
		const authorized = !authorization || request.headers.authorization === authorization;
		response.writeHead(authorized ? 200 : 401, {'content-type': 'application/json'});
		response.end(
			JSON.stringify(
				authorized
					? {
							name: 'collectd.cpu.percent.user',
							measurements: {
								[source]: [
									{measure_time: now - 30, value: 2.5},
									{measure_time: now, value: 3.1},
								],
							},
						}
					: {errors: 'unauthorized'},
			),
		);
	};
}
